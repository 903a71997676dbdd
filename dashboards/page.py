"""What a page is made of: sections of text, charts and tables (no HTML here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.figures import Chart


@dataclass
class Table:
    """A small table shown as HTML: column headers, rows of already-formatted cells, and
    an optional caption line under it like a chart's (unit, source, versions)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    """A titled block of a page: paragraphs (plain text), charts and tables."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    code: str | None = None  # an SQL example shown verbatim
    links: list[tuple[str, list[tuple[str, str]]]] = field(
        default_factory=list
    )  # (title, [(href, text)])


@dataclass
class Page:
    """One HTML file of the site: its path below the site root, title and sections."""

    path: str
    title: str
    sections: list[Section]
    kind: str  # overview, approach, country or methods
