"""The funding page and the funding sections of a site built from the real sample build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]


def _site(sample: tuple[Path, str]) -> Path:
    return sample[0] / "out" / "site"


def test_funding_page_names_the_conversion_rule_and_links_sources(
    sample: tuple[Path, str],
) -> None:
    page = _site(sample) / "funding.html"
    assert page.exists()
    text = page.read_text(encoding="utf-8")
    # the conversion method is one click away: a link to an anchor on the same page
    assert 'href="#conversion"' in text and 'id="conversion"' in text
    assert "price-year-fx" in text and "even-over-period" in text
    assert "one-figure-per-programme" in text and "stated-bound" in text
    # every programme figure links to its source, in a new tab that cannot reach back
    links = re.findall(r'<a href="(https?://[^"]+)" rel="noopener" target="_blank">', text)
    assert len(links) > 50
    assert "National Quantum Initiative Act (2018)" in text  # a counted figure with no period
    assert "no period this figure or another figure of the programme places" in text
    for chart in ("funding-commitments", "funding-per-gdp", "funding-grants-approach"):
        assert f'id="{chart}"' in text, chart


def test_synthetic_grants_are_labelled_and_programmes_are_said_to_be_real(
    sample: tuple[Path, str],
) -> None:
    text = (_site(sample) / "funding.html").read_text(encoding="utf-8")
    assert "The grants on this page come from qcm's invented demonstration sample" in text
    assert "SYNTHETIC SAMPLE DATA: invented grants." in text
    assert "Real announced figures, not sample data." in text


def test_country_pages_have_a_funding_section_and_the_site_links_to_the_page(
    sample: tuple[Path, str],
) -> None:
    site = _site(sample)
    germany = (site / "country" / "DEU.html").read_text(encoding="utf-8")
    assert "<h2>Public funding</h2>" in germany
    assert 'href="../funding.html#conversion"' in germany
    assert "Action Concept Quantum Technologies" in germany
    assert 'id="funding-DEU-commitments"' in germany
    assert 'href="funding.html"' in (site / "index.html").read_text(encoding="utf-8")
    methods = (site / "methods.html").read_text(encoding="utf-8")
    assert "<h2>Funding: gaps and caveats</h2>" in methods
    assert "federalreserve.gov" in methods
