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
class Composite:
    """A composite ranking the reader re-weights in the browser (``static/site.js``): a
    slider per family starting at its published weight, a reset button, and a table that
    the page's script recomputes from the family scores embedded as JSON.

    ``mode`` is ``ranking`` (the countries of one approach, chosen from ``approaches``) or
    ``country`` (one country's rank in every approach). ``rows`` is the table at the
    published weights, already formatted: what a reader without JavaScript sees, and what
    the script draws until a weight moves.
    """

    id: str
    mode: str
    data: dict  # the JSON the script reads: families, weights, names, family scores
    families: list[tuple[str, str, str, str]]  # key, label, published weight, its share
    approaches: list[tuple[str, str]]  # (approach id, label) offered in the menu
    columns: list[str]
    rows: list[list[str]]
    caption: str
    max_weight: float
    step: str  # the sliders' step ("0.5", or "any" when a published weight is off that grid)


@dataclass
class Section:
    """A titled block of a page: paragraphs (plain text), charts, tables and composites."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    code: str | None = None  # an SQL example shown verbatim
    links: list[tuple[str, list[tuple[str, str]]]] = field(
        default_factory=list
    )  # (title, [(href, text)])
    composites: list[Composite] = field(default_factory=list)
    anchor: str | None = None  # the section's id, for links to it (letters, digits, -, _)


@dataclass
class Page:
    """One HTML file of the site: its path below the site root, title and sections."""

    path: str
    title: str
    sections: list[Section]
    kind: str  # overview, approach, country, methods or a family page (funding, frontier, ...)
