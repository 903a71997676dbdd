"""What the dashboard unit tests share: a SiteData of hand-made frames, a page rendered
through the site's own template, and what a reader sees of sections."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import polars as pl

from dashboards.data import SiteData
from dashboards.page import Page, Section
from dashboards.site import _drop_empty_charts, _environment, _write_assets

# the header facts the template shows, filled with a placeholder
FACTS = (
    "published",
    "data_kind",
    "works",
    "families",
    "publication_years",
    "patent_complete_year",
    "small_numbers",
    "snapshot",
    "run_id",
    "mode",
    "version",
    "sources",
)


def site_data(
    *,
    approaches: dict[str, str],
    countries: dict[str, str],
    complete_year: int,
    incomplete_year: int | None,
    data_kind: str = "synthetic sample",
    methods: dict[str, tuple[str, str]] | None = None,
    **frames: pl.DataFrame,
) -> SiteData:
    """A SiteData with the given approaches (id -> label), countries (ISO3 -> name),
    years, data kind, methods (key -> (value, description)) and family frames; every
    other required frame empty (the families' own fields default to empty)."""
    empty = pl.DataFrame()
    required = {
        f.name: empty
        for f in dataclasses.fields(SiteData)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    methods = methods or {}
    return SiteData(
        **{
            **required,
            "approaches": pl.DataFrame(
                {"approach": list(approaches), "label": list(approaches.values())}
            ),
            "countries": pl.DataFrame({"iso3": list(countries), "name": list(countries.values())}),
            "methods": {k: v for k, (v, _) in methods.items()},
            "method_descriptions": {k: d for k, (_, d) in methods.items()},
            "run": {"data_kind": data_kind},
            "incomplete_year": incomplete_year,
            "complete_year": complete_year,
            "patent_incomplete_years": [],
            "patent_complete_year": None,
            "data_kinds": (data_kind,),
            **frames,
        }
    )


def replaced(data: SiteData, **frames: object) -> SiteData:
    """``data`` with some of its fields replaced."""
    return dataclasses.replace(data, **frames)


def render(sections: list[Section], path: str, title: str, kind: str, sample: bool = True) -> str:
    """The HTML of a page at ``path`` holding ``sections``, through the site's template."""
    for section in sections:
        _drop_empty_charts(section)
    page = Page(path, title, sections, kind)
    shown = dict.fromkeys(FACTS, "x")
    return (
        _environment()
        .get_template("page.html.j2")
        .render(page=page, root="", facts=shown, sample=sample)
    )


def text(sections: list[Section]) -> str:
    """Everything a reader reads in ``sections``: headings, paragraphs, chart captions,
    notes and titles (unescaped, as Plotly shows them) and table captions."""
    said = [s.heading for s in sections]
    for s in sections:
        said += [str(p) for p in s.paragraphs]
        said += [c.caption + " " + " ".join(c.notes) for c in s.charts]
        said += [html.unescape(str(c.figure.layout.title.text)) for c in s.charts]
        said += [t.caption for t in s.tables]
    return "\n".join(said)


def charts(sections: list[Section]) -> dict:
    """The charts of ``sections`` by id."""
    return {c.id: c for s in sections for c in s.charts}


def written(folder: Path, sections: list[Section], path: str, title: str, kind: str) -> Path:
    """Write the page ``path`` (at the top of ``folder``) holding ``sections``, with the
    site's assets (plotly.js, script, stylesheet, map topology) the first time, so that a
    browser can open it from disk; returns the page's file."""
    assert "/" not in path, "pages written for a browser sit at the top of the folder"
    if not (folder / "assets").exists():
        _write_assets(folder)
    page = folder / path
    page.write_text(render(sections, path, title, kind), encoding="utf-8")
    return page
