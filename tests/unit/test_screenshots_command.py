"""``qcm screenshots``: a folder without a site is an error; pages the site lacks are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards import browser
from dashboards.browser import SHOWCASE
from pipelines.cli import main

pytestmark = pytest.mark.unit


def test_a_folder_without_a_site_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["screenshots", "--site", str(tmp_path / "none"), "--to", str(tmp_path)])
    assert code == 2
    assert f"no site in {tmp_path / 'none'}" in capsys.readouterr().err


def test_pages_the_site_does_not_have_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    for name in SHOWCASE:
        if name != "country/DEU.html":
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text("<html></html>", encoding="utf-8")
    shot = tmp_path / "shots" / "index.png"

    def taken(folder: Path, out: Path) -> list[Path]:  # no browser: the command's own logic
        assert folder == site and out == tmp_path / "shots"
        return [shot]

    monkeypatch.setattr(browser, "take_screenshots", taken)
    code = main(["screenshots", "--site", str(site), "--to", str(tmp_path / "shots")])
    printed = capsys.readouterr()
    assert code == 0 and printed.out.splitlines() == [str(shot)]
    assert printed.err.splitlines() == [
        "qcm screenshots: country/DEU.html is not in the site; no screenshot"
    ]
