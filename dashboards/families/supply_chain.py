"""The supply-chain family: who makes and who depends on quantum components, on a page of
its own, on every approach and country page, and in the methods.

Each function takes the site's data and returns sections; ``dashboards.site`` places them
on pages (``page(data)`` is the supply-chain page). Two kinds of evidence are shown and
never mixed: trade under HS codes (UN Comtrade, marts.supply_chain_indicators,
marts.trade_flows, marts.supply_single_points), which are proxies for quantum components,
and qcm's reviewed registry of named suppliers and export-control entries (marts.suppliers,
marts.supplier_counts, marts.export_controls). Every trade chart says that the codes are
proxies; HS lines whose role is 'generic' or 'context' are shown apart from the headline
(core) charts and labelled so. Every frame is aggregated here before it reaches a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData, derived_per_site
from dashboards.families import common
from dashboards.families.common import counted, listed, possessive
from dashboards.families.funding import money
from dashboards.figures import (
    PALETTE,
    SEQUENTIAL,
    SYMBOLS,
    Chart,
    apply_layout,
    dropdown,
    dropdown_height,
    esc,
    grouped_choice_bars,
    shade_incomplete,
    value_axis,
)
from dashboards.page import Section, Table

NAME = "Supply chain"
SOURCE = (
    "Source: UN Comtrade (HS 6-digit trade, importers' reports with partners' mirror "
    "reports where a country did not report), under qcm's reviewed table of HS proxy codes"
)
REGISTRY_SOURCE = (
    "Source: qcm's reviewed supplier registry (one public source per company; "
    "marts.suppliers), a list of named companies, not a census"
)
CONTROLS_SOURCE = "Source: qcm's reviewed export-control cross-walk (marts.export_controls)"
CAVEAT = (
    "Trade codes are proxies: most traded value under these HS codes is not quantum "
    "technology (e.g. 8418.69 is mostly industrial refrigeration)."
)
MIRROR_BASIS = (
    "a missing reporter's trade is taken from its partners' reports (imports valued CIF, "
    "exports FOB; mirror values are not adjusted)"
)
TOP_COUNTRIES = 20  # rows of the dependency matrix
TOP_EXPORTERS = 10  # bars per component on the top-exporters chart
TOP_PARTNERS = 8  # import partners drawn on a country page
TOP_RANKED = 15  # countries on an approach page's dependence ranking
POINTS_NAMED = 3  # single points of failure an approach page names in its sentence
MILLION = 1e6
HS2022_YEAR = 2022  # first year of the HS2022 series
EVERY_CODE = "All core codes"  # the label of approach 'all' (every core code)
UNKNOWN_PARTNER = "UNK"
NOT_COUNTRIES = ("UNK", "ZZZ", "WLD")
INCOMPLETE_REASON = "countries keep reporting their trade for months after a year ends"
ROLE_WORDS = {"generic": "generic line", "context": "context line", "core": "core line"}


# ---- reading the marts -------------------------------------------------------------


def has_supply_chain(data: SiteData) -> bool:
    """Whether the published file holds the supply-chain marts (older files do not)."""
    return "indicator" in data.supply_indicators.columns


@derived_per_site
def is_sample(data: SiteData) -> bool:
    """Whether the trade data is the synthetic sample (its data_kind says so)."""
    if not has_supply_chain(data) or "data_kind" not in data.supply_indicators.columns:
        return False
    kinds = data.supply_indicators["data_kind"].drop_nulls().unique()
    return any("sample" in str(kind) for kind in kinds)


@derived_per_site
def complete_year(data: SiteData) -> int | None:
    """The latest year of marts.supply_chain_indicators not flagged latest_year_incomplete,
    or None without trade data."""
    if not has_supply_chain(data):
        return None
    year = data.supply_indicators.filter(~pl.col("latest_year_incomplete"))["year"].max()
    return None if year is None else int(year)


def incomplete_years(data: SiteData) -> list[int]:
    """The years flagged latest_year_incomplete (still being reported), sorted."""
    if not has_supply_chain(data):
        return []
    rows = data.supply_indicators.filter(pl.col("latest_year_incomplete"))
    return sorted(int(y) for y in rows["year"].unique())


def method_version(data: SiteData) -> str:
    """The method version(s) of marts.supply_chain_indicators, joined by commas."""
    if "method_version" not in data.supply_indicators.columns:
        return "-"
    versions = data.supply_indicators["method_version"].drop_nulls().unique().sort()
    return ", ".join(str(v) for v in versions) or "-"


def hs_label(code: str | None) -> str:
    """A 6-digit HS code as written in the nomenclature: ``841869`` -> ``8418.69``."""
    if code is None:
        return "-"
    text = str(code)
    return f"{text[:4]}.{text[4:]}" if len(text) == 6 and text.isdigit() else text


def roles(data: SiteData) -> dict[str, str]:
    """HS2022 series code -> role (core, generic or context) from marts.hs_codes, with the
    roles of marts.supply_single_points for codes the table lacks."""
    found: dict[str, str] = {}
    points = data.single_points
    if {"hs_code", "role"} <= set(points.columns):
        for code, role in points.select("hs_code", "role").unique().iter_rows():
            if code is not None and role:
                found[str(code)] = str(role)
    codes = data.hs_codes
    if {"hs_code", "role"} <= set(codes.columns):
        rows = codes
        if "hs_revision" in codes.columns:
            rows = codes.filter(pl.col("hs_revision") == "HS2022")
        for code, role in rows.select("hs_code", "role").iter_rows():
            if code is not None and role:
                found[str(code)] = str(role)
    return found


def component_codes(data: SiteData, role: str = "core") -> list[tuple[str, str]]:
    """(HS2022 series code, component label) of the component-level trade rows whose code
    has ``role``, in code order."""
    if not has_supply_chain(data):
        return []
    rows = (
        data.supply_indicators.filter(
            pl.col("level") == "component", pl.col("hs_code").is_not_null()
        )
        .select("hs_code", "component_label")
        .unique(subset="hs_code", keep="first")
        .sort("hs_code")
    )
    known = roles(data)
    return [
        (code, label or hs_label(code))
        for code, label in rows.iter_rows()
        if known.get(code, "core") == role
    ]


def approach_labels(data: SiteData) -> dict[str, str]:
    """Approach id -> label in taxonomy order, 'all' being every core code."""
    labels = {}
    if {"approach", "label"} <= set(data.approaches.columns):
        labels = common.labels(data)
    return {"all": EVERY_CODE} | {a: lab for a, lab in labels.items() if a not in ("all",)}


def _ordered_approaches(data: SiteData, present: Sequence[str]) -> list[str]:
    """The approaches of ``present``: 'all' first, then taxonomy order, unknown ones last."""
    order = list(approach_labels(data))
    known = [a for a in order if a in set(present)]
    return known + sorted(a for a in set(present) if a not in set(order))


def _label(data: SiteData, approach_id: str) -> str:
    """An approach's label, its id when unknown."""
    return approach_labels(data).get(approach_id, approach_id)


def _rows(data: SiteData, **equals: object) -> pl.DataFrame:
    """Rows of marts.supply_chain_indicators whose columns equal the given values."""
    return common.rows(data.supply_indicators, **equals)


def trade_by_approach(data: SiteData, year: int, entity_type: str = "country") -> pl.DataFrame:
    """Imports, exports and import dependence of every entity per approach in ``year``
    (approach level), one row per entity and approach.

    Returns entity_code, entity_name, approach, imports_usd, exports_usd,
    import_dependence, mirror_share (the largest mirror share of the three values),
    imports_withheld and exports_withheld (a reporter withheld some of the flow: its value
    is a lower bound, and import dependence is left out) and value_missing (either).
    """
    rows = _rows(data, level="approach", entity_type=entity_type, year=year).filter(
        pl.col("indicator").is_in(["imports", "exports", "import_dependence"]),
        ~pl.col("entity_code").is_in(NOT_COUNTRIES),
        pl.col("approach").is_not_null(),
    )

    def pick(indicator: str, column: str = "value") -> pl.Expr:
        """The ``column`` of ``indicator``'s row within a group."""
        return pl.col(column).filter(pl.col("indicator") == indicator).first()

    return (
        rows.group_by("entity_code", "entity_name", "approach")
        .agg(
            pick("imports").alias("imports_usd"),
            pick("exports").alias("exports_usd"),
            pick("import_dependence").alias("import_dependence"),
            pl.col("mirror_share").max().alias("mirror_share"),
            pick("imports", "value_missing").fill_null(False).alias("imports_withheld"),
            pick("exports", "value_missing").fill_null(False).alias("exports_withheld"),
        )
        .with_columns(value_missing=pl.col("imports_withheld") | pl.col("exports_withheld"))
        .sort("entity_name", "approach")
    )


def _flows_said(row: dict) -> str:
    """``imports $2.0 million, exports $1.7 billion`` of a ``trade_by_approach`` row, a
    withheld flow said to be at least its value."""
    return ", ".join(
        f"{flow} {'at least ' if row[f'{flow}_withheld'] else ''}{money(row[f'{flow}_usd'] or 0)}"
        for flow in ("imports", "exports")
    )


def _dependence_said(row: dict) -> str:
    """A row's import dependence as a percentage, or why it is left out."""
    if row["import_dependence"] is None and row["value_missing"]:
        return "left out: a reporter withheld a value"
    return _percent(row["import_dependence"])


def top_traders(frame: pl.DataFrame, n: int = TOP_COUNTRIES) -> list[str]:
    """The ``n`` entity codes of ``trade_by_approach`` rows with the most imports plus
    exports under approach 'all' (every approach summed when 'all' is missing), largest
    first, ties by name."""
    basis = frame.filter(pl.col("approach") == "all")
    if basis.height == 0:
        basis = frame
    totals = (
        basis.group_by("entity_code", "entity_name")
        .agg((pl.col("imports_usd").fill_null(0) + pl.col("exports_usd").fill_null(0)).sum())
        .rename({"imports_usd": "trade"})
        .sort(["trade", "entity_name"], descending=[True, False])
    )
    return totals.head(n)["entity_code"].to_list()


def dependence_matrix(data: SiteData, year: int, n: int = TOP_COUNTRIES) -> pl.DataFrame:
    """Import dependence of the ``n`` largest traders per approach in ``year``, with their
    imports and exports: rows of ``trade_by_approach`` plus approach_label, largest traders
    first."""
    frame = trade_by_approach(data, year)
    codes = top_traders(frame, n)
    order = {code: i for i, code in enumerate(codes)}
    return (
        frame.filter(pl.col("entity_code").is_in(codes))
        .with_columns(
            pl.col("approach")
            .map_elements(lambda a: _label(data, a), return_dtype=pl.String)
            .alias("approach_label"),
            pl.col("entity_code").replace_strict(order, return_dtype=pl.Int64).alias("_rank"),
        )
        .sort("_rank", "approach")
        .drop("_rank")
    )


def top_exporters(data: SiteData, year: int, code: str, n: int = TOP_EXPORTERS) -> pl.DataFrame:
    """The ``n`` countries with the largest share of world exports of one HS series code
    in ``year``, largest first (ties by name).

    Returns entity_code, entity_name, world_export_share, exports_usd, mirror_share,
    series_break.
    """
    rows = _rows(data, level="component", entity_type="country", hs_code=code, year=year).filter(
        pl.col("indicator").is_in(["world_export_share", "exports"]),
        ~pl.col("entity_code").is_in(NOT_COUNTRIES),
    )
    shares = (
        rows.group_by("entity_code", "entity_name")
        .agg(
            pl.col("value")
            .filter(pl.col("indicator") == "world_export_share")
            .first()
            .alias("world_export_share"),
            pl.col("value").filter(pl.col("indicator") == "exports").first().alias("exports_usd"),
            pl.col("mirror_share").max(),
            pl.col("series_break").any(),
        )
        .filter(pl.col("world_export_share").is_not_null(), pl.col("world_export_share") > 0)
    )
    return shares.sort(["world_export_share", "entity_name"], descending=[True, False]).head(n)


def world_value(data: SiteData, indicator: str, code: str, year: int) -> float | None:
    """A world row's value (supplier_hhi, top_exporter_share, exports) for one HS series
    code and year, or None."""
    rows = _rows(
        data, level="component", entity_type="world", indicator=indicator, hs_code=code, year=year
    )
    return None if rows.height == 0 else rows["value"][0]


def bloc_shares(
    data: SiteData, year: int, indicator: str = "imports_from_bloc_share"
) -> dict[str, pl.DataFrame]:
    """Approach label -> the entities' ``indicator`` in ``year`` (approach level): blocs
    for imports_from_bloc_share, countries for imports_from_competitors_share; each frame
    has entity_code, entity_name (a bloc's short name, ``common.bloc_labels``), value,
    numerator, denominator, mirror_share, highest first. Approaches in taxonomy order, 'all'
    first; empty approaches left out."""
    entity = "bloc" if indicator == "imports_from_bloc_share" else "country"
    rows = _rows(data, level="approach", entity_type=entity, indicator=indicator, year=year).filter(
        pl.col("approach").is_not_null(), pl.col("value").is_not_null()
    )
    if entity == "bloc" and "bloc" in rows.columns:
        # a bloc's own share: the bloc column names a partner bloc only on country rows
        rows = rows.filter(pl.col("bloc").is_null() | (pl.col("bloc") == pl.col("entity_code")))
    groups = {}
    for approach_id in _ordered_approaches(data, rows["approach"].unique().to_list()):
        frame = (
            rows.filter(pl.col("approach") == approach_id)
            .select(
                "entity_code", "entity_name", "value", "numerator", "denominator", "mirror_share"
            )
            .sort(["value", "entity_name"], descending=[True, False])
        )
        if entity == "country":
            frame = frame.head(TOP_COUNTRIES)
        else:
            frame = frame.with_columns(
                pl.col("entity_code").replace(common.bloc_labels(data)).alias("entity_name")
            )
        groups[_label(data, approach_id)] = frame
    return groups


def single_points_year(data: SiteData) -> int | None:
    """The latest year of marts.supply_single_points no later than the latest complete
    trade year, or None."""
    points = data.single_points
    if "year" not in points.columns or points.height == 0:
        return None
    last = complete_year(data)
    rows = points if last is None else points.filter(pl.col("year") <= last)
    year = rows["year"].max()
    return None if year is None else int(year)


def single_points(
    data: SiteData, year: int, approach_id: str | None = None, core: bool = True
) -> pl.DataFrame:
    """The single points of failure of ``year`` (is_single_point), of one approach or all,
    core lines (``core``) or the others, in taxonomy order of approach then largest share
    first."""
    points = data.single_points.filter(pl.col("year") == year, pl.col("is_single_point"))
    if approach_id is not None:
        points = points.filter(pl.col("approach") == approach_id)
    is_core = pl.col("role").fill_null("core") == "core"
    points = points.filter(is_core if core else ~is_core)
    order = {a: i for i, a in enumerate(_ordered_approaches(data, points["approach"].to_list()))}
    return (
        points.with_columns(
            pl.col("approach").replace_strict(order, return_dtype=pl.Int64).alias("_order")
        )
        .sort(["_order", "top_share", "hs_code"], descending=[False, True, False])
        .drop("_order")
    )


def import_partners(data: SiteData, iso3: str, year: int, n: int = TOP_PARTNERS) -> pl.DataFrame:
    """Where a country's imports under the core codes came from in ``year``
    (marts.trade_flows), largest first, ties by partner code.

    Returns exporter_iso3, exporter_name, value_usd, share (of the country's imports under
    the core codes), mirror_usd (the part resting on partners' reports) for the ``n``
    largest partners.
    """
    flows = data.trade_flows
    if "value_usd" not in flows.columns:
        return pl.DataFrame(schema={"exporter_iso3": pl.String, "value_usd": pl.Float64})
    core = [code for code, _ in component_codes(data)]
    rows = flows.filter(
        pl.col("importer_iso3") == iso3, pl.col("year") == year, pl.col("hs_code").is_in(core)
    )
    total = rows["value_usd"].sum()
    names = _country_names(data)
    summed = (
        rows.group_by("exporter_iso3")
        .agg(
            pl.col("value_usd").sum(),
            pl.col("value_usd").filter(pl.col("basis") == "mirror").sum().alias("mirror_usd"),
        )
        .with_columns(
            (pl.col("value_usd") / total if total else pl.lit(None, pl.Float64)).alias("share"),
            pl.col("exporter_iso3")
            .map_elements(lambda c: names.get(c, c), return_dtype=pl.String)
            .alias("exporter_name"),
        )
        .filter(pl.col("value_usd") > 0)
        .sort(["value_usd", "exporter_iso3"], descending=[True, False])
    )
    return summed.select("exporter_iso3", "exporter_name", "value_usd", "share", "mirror_usd").head(
        n
    )


def _country_names(data: SiteData) -> dict[str, str]:
    """ISO3 -> name from marts.countries and the trade rows, with 'UNK' the unspecified
    areas."""
    names: dict[str, str] = {}
    if has_supply_chain(data):
        rows = data.supply_indicators.filter(pl.col("entity_type") == "country")
        names |= dict(rows.select("entity_code", "entity_name").unique().iter_rows())
    if {"iso3", "name"} <= set(data.countries.columns):
        names |= dict(zip(data.countries["iso3"], data.countries["name"], strict=True))
    names[UNKNOWN_PARTNER] = "Unspecified areas"
    return names


def country_name(data: SiteData, iso3: str) -> str:
    """A country's name from marts.countries or the trade rows, else its code."""
    return _country_names(data).get(iso3, iso3)


def country_series(data: SiteData, iso3: str) -> pl.DataFrame:
    """A country's exports and imports per approach and year (approach level): approach,
    year, indicator, value, mirror_share, series_break, latest_year_incomplete."""
    return (
        _rows(data, level="approach", entity_type="country", entity_code=iso3)
        .filter(pl.col("indicator").is_in(["exports", "imports"]))
        .select(
            "approach",
            "year",
            "indicator",
            "value",
            "mirror_share",
            "series_break",
            "latest_year_incomplete",
        )
        .sort("approach", "indicator", "year")
    )


def registry(data: SiteData, iso3: str | None = None) -> pl.DataFrame:
    """The registry's suppliers (marts.suppliers), of one country when ``iso3`` is given,
    by component label then company."""
    rows = data.suppliers
    if "company" not in rows.columns:
        return rows
    if iso3 is not None:
        rows = rows.filter(pl.col("country_iso3") == iso3)
    return rows.sort("component_label", "company")


# ---- words and cells ---------------------------------------------------------------


def _percent(value: float | None) -> str:
    """A share as a whole percentage (``47%``), ``-`` when missing."""
    return "-" if value is None else f"{value:.0%}"


def _prefix(data: SiteData) -> str:
    """``Synthetic sample: `` before trade chart titles when the trade is invented."""
    return "Synthetic sample: " if is_sample(data) else ""


def _caption(data: SiteData, unit: str, years: str | None = None) -> str:
    """Years, unit, source, method version and the proxy caveat: the line under every
    trade chart, with the synthetic-sample label when the trade is the sample."""
    when = f"{years}; " if years else ""
    sample = (
        " SYNTHETIC SAMPLE DATA: invented trade flows, not real UN Comtrade records."
        if is_sample(data)
        else ""
    )
    return f"{when}unit: {unit}. {SOURCE}; method {method_version(data)}. {CAVEAT}{sample}"


def _trade_notes(frame: pl.DataFrame) -> list[str]:
    """The mirror-flow, withheld-value and HS-revision notes a trade chart of ``frame``
    needs: how many of its values rest on partners' mirror reports (``mirror_share``), how
    many are lower bounds because a reporter withheld a value (``value_missing``), and
    which years before 2022 break the series (``series_break``)."""
    notes = []
    if "value_missing" in frame.columns:
        withheld = frame.filter(pl.col("value_missing").fill_null(False)).height
        if withheld:
            notes.append(
                f"Withheld values: {withheld:,} of the {frame.height:,} values shown rest on "
                "trade a reporter kept confidential (value_missing in the CSV): a country's "
                "own trade is then a lower bound and a share of a world total that lacks the "
                "withheld value is not exact (too high where the country's own value is "
                "whole); import dependence is left out where either flow was withheld."
            )
    if "mirror_share" in frame.columns:
        mirrored = frame.filter(pl.col("mirror_share").fill_null(0) > 0)
        if mirrored.height:
            top = mirrored["mirror_share"].max()
            notes.append(
                f"Mirror flows: {mirrored.height:,} of the {frame.height:,} values shown rest "
                f"partly (up to {top:.0%}) on partners' reports: {MIRROR_BASIS}. See "
                "mirror_share in the CSV."
            )
    if "series_break" in frame.columns and "year" in frame.columns:
        broken = frame.filter(pl.col("series_break").fill_null(False))
        years = sorted({int(y) for y in broken["year"].drop_nulls()})
        if years:
            span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
            notes.append(
                f"HS revision: some values of {span} rest on an HS2017 line broader than its "
                f"HS{HS2022_YEAR} successor (before {HS2022_YEAR}, or a reporter still filing "
                "in HS2017), a series break (series_break in the CSV): do not read a jump "
                "across it as a change in trade."
            )
    elif "series_break" in frame.columns and frame["series_break"].fill_null(False).any():
        notes.append(
            "HS revision: some values rest on an HS2017 line not comparable with its HS2022 "
            "successor (series_break in the CSV)."
        )
    return notes


def _link(url: str | None, title: str | None = None) -> str:
    """A table cell linking to ``url`` with ``title`` (or the host) as text; everything from
    the data is escaped and only http(s) addresses become links (rel="noopener")."""
    if not url:
        return title or "-"
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return str(url)
    text = title or parts.netloc.removeprefix("www.")
    return Markup('<a href="{}" rel="noopener" target="_blank">{}</a>').format(url, text)


def _approach_words(data: SiteData, approaches: str | None) -> str:
    """A ';'-separated list of approach keys as their labels, comma-separated."""
    if not approaches:
        return "-"
    keys = [a.strip() for a in str(approaches).split(";") if a.strip()]
    return ", ".join(_label(data, a) for a in keys)


# ---- figures -----------------------------------------------------------------------


def dependence_heatmap(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Countries (largest traders on top) x approaches heatmap of import dependence
    M/(M+X), with imports and exports in the hover text. ``frame`` has the rows of
    ``dependence_matrix``."""
    countries = list(dict.fromkeys(frame["entity_name"]))
    approaches = list(dict.fromkeys(frame["approach_label"]))
    lookup = {(r["entity_name"], r["approach_label"]): r for r in frame.iter_rows(named=True)}
    z, text, hover = [], [], []
    for country in reversed(countries):
        z_row, t_row, h_row = [], [], []
        for approach in approaches:
            row = lookup.get((country, approach))
            value = row["import_dependence"] if row else None
            z_row.append(value)
            t_row.append("" if value is None else f"{value:.0%}")
            h_row.append(
                f"{esc(country)}, {esc(approach)}: "
                + (
                    f"import dependence {esc(_dependence_said(row))} ({esc(_flows_said(row))})"
                    if row
                    else "no trade"
                )
            )
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[esc(a) for a in approaches],
            y=[esc(c) for c in reversed(countries)],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale=SEQUENTIAL,
            colorbar={"title": "import dependence", "tickformat": ".0%"},
            zmin=0,
            zmax=1,
        )
    )
    apply_layout(fig, title, height=max(420, 26 * len(countries) + 200))
    fig.update_xaxes(tickangle=-40, side="bottom")
    notes = [
        "Import dependence is imports / (imports + exports): 100% imports everything it "
        "trades, 0% only exports. The largest traders (imports plus exports under every core "
        "code) are on top. An empty cell: no trade, or a flow a reporter withheld (hover for "
        "which)."
    ]
    return Chart(chart_id, fig, frame, caption, notes)


def exporter_bars(
    frames: dict[str, pl.DataFrame], chart_id: str, titles: dict[str, str], caption: str
) -> Chart:
    """Bars of world export share by country, one HS code at a time chosen from a menu
    that also changes the title. ``frames`` maps a code's label to ``top_exporters`` rows;
    empty frames get no entry."""
    frames = {label: f for label, f in frames.items() if f.height}
    shown_titles = [titles[label] for label in frames]
    title = shown_titles[0] if shown_titles else next(iter(titles.values()), "")
    fig = go.Figure()
    for index, frame in enumerate(frames.values()):
        shown = frame.reverse()
        fig.add_trace(
            go.Bar(
                x=shown["world_export_share"].to_list(),
                y=[esc(n) for n in shown["entity_name"]],
                orientation="h",
                marker_color=PALETTE[0],
                visible=index == 0,
                hovertext=[
                    f"{esc(r['entity_name'])}: {r['world_export_share']:.1%} of world exports "
                    f"({money(r['exports_usd'] or 0)})"
                    + (
                        f"; {r['mirror_share']:.0%} from partners' mirror reports"
                        if (r["mirror_share"] or 0) > 0
                        else ""
                    )
                    for r in shown.iter_rows(named=True)
                ],
                hoverinfo="text",
            )
        )
    tallest = max((f.height for f in frames.values()), default=1)
    menu = dropdown_height(len(frames)) if len(frames) > 1 else 0
    apply_layout(fig, title, height=max(360, 26 * tallest + 150, menu))
    fig.update_xaxes(value_axis("share of world exports", percent=True))
    notes = []
    if len(frames) > 1:
        fig.update_layout(
            updatemenus=[dropdown(list(frames), list(range(len(frames))), shown_titles)],
            margin={"t": 110},
        )
        notes.append("Choose the component (HS code) with the menu above the chart.")
    data = (
        pl.concat([f.with_columns(pl.lit(label).alias("component")) for label, f in frames.items()])
        if frames
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, notes)


def value_bars(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    axis_title: str,
    percent: bool,
    notes: Sequence[str] = (),
) -> Chart:
    """Horizontal bars of ``frame`` (label, value and a written ``hover``), the first row
    on top."""
    shown = frame.reverse()
    fig = go.Figure(
        go.Bar(
            x=shown["value"].to_list(),
            y=[esc(v) for v in shown["label"]],
            orientation="h",
            marker_color=PALETTE[0],
            hovertext=[esc(h) for h in shown["hover"]],
            hoverinfo="text",
        )
    )
    apply_layout(fig, title, height=max(320, 26 * shown.height + 140))
    fig.update_xaxes(value_axis(axis_title, percent))
    if percent:
        fig.update_xaxes(range=[0, 1.02])
    return Chart(chart_id, fig, frame.drop("hover"), caption, list(notes))


def trade_lines(
    series: pl.DataFrame,
    chart_id: str,
    choices: dict[str, str],
    title: str,
    caption: str,
    incomplete: Sequence[int],
) -> Chart:
    """Exports and imports by year in million US dollars (the CSV keeps dollars), one
    approach at a time chosen from a menu.

    ``series`` has the rows of ``country_series``; ``choices`` maps approach ids to menu
    labels (first shown first)."""
    # each approach's and indicator's rows by year, in one pass (not two filters each)
    lines = series.sort("year", maintain_order=True).partition_by(
        ["approach", "indicator"], as_dict=True, maintain_order=True
    )
    approaches, empty = {approach for approach, _ in lines}, series.clear()
    # every year of the series on the axis: a year without a row is a gap in the line (no
    # trade reported under the codes), not a line across it
    years = list(range(series["year"].min(), series["year"].max() + 1)) if series.height else []
    gaps = False
    traces: list[go.Scatter] = []
    chosen_by: list[int] = []  # the menu choice of each trace
    kept: list[str] = []
    for approach_id, label in choices.items():
        if approach_id not in approaches:
            continue
        for colour, symbol, indicator, said in (
            (PALETTE[0], SYMBOLS[0], "exports", "Exports"),
            (PALETTE[1], SYMBOLS[1], "imports", "Imports"),
        ):
            line = lines.get((approach_id, indicator), empty)
            values = dict(zip(line["year"], line["value"], strict=True))
            reported = sorted(values)
            gaps = gaps or (bool(reported) and len(reported) <= reported[-1] - reported[0])
            traces.append(
                go.Scatter(
                    x=years,
                    y=[None if values.get(y) is None else values[y] / MILLION for y in years],
                    mode="lines+markers",
                    name=said,
                    line={"color": colour, "width": 2},
                    marker={"symbol": symbol},
                    visible=not kept,
                    hovertemplate=said
                    + " %{x}: $%{y:,.2f} million<extra>"
                    + esc(label)
                    + "</extra>",
                )
            )
            chosen_by.append(len(kept))
        kept.append(label)
    layout: dict[str, object] = {
        "yaxis": value_axis("million US dollars") | {"rangemode": "tozero"},
        "xaxis": {"dtick": 1},
    }
    notes = []
    if len(kept) > 1:
        layout |= {"updatemenus": [dropdown(kept, chosen_by)], "margin": {"t": 110}}
        notes.append(
            "Choose the approach with the menu above the chart; an HS code serves several "
            "approaches, so the approaches overlap and must not be added."
        )
    if gaps:
        notes.append("A gap in a line is a year without that trade reported under the codes.")
    fig = go.Figure(traces, layout=layout)
    apply_layout(fig, title, height=max(440, dropdown_height(len(kept)) if len(kept) > 1 else 0))
    shown = [y for y in incomplete if y in set(series["year"])]
    if shown:
        notes.append(shade_incomplete(fig, shown, INCOMPLETE_REASON))
    data = series.with_columns(
        pl.col("approach")
        .replace_strict(choices, default=pl.col("approach"), return_dtype=pl.String)
        .alias("approach_label")
    )
    return Chart(chart_id, fig, data, caption, notes + _trade_notes(series))


def supplier_heatmap(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Components x blocs heatmap of registry supplier counts, with the number of countries
    they are headquartered in. ``frame`` has component_label, entity_name, suppliers,
    supplier_countries."""
    components = sorted(frame["component_label"].unique().to_list(), reverse=True)
    blocs = sorted(frame["entity_name"].unique().to_list())
    lookup = {(r["component_label"], r["entity_name"]): r for r in frame.iter_rows(named=True)}
    z, text, hover = [], [], []
    for component in components:
        z_row, t_row, h_row = [], [], []
        for bloc in blocs:
            row = lookup.get((component, bloc))
            n = row["suppliers"] if row else 0
            z_row.append(n)
            t_row.append(str(n) if n else "")
            where = ""
            if row and n:
                places = row["supplier_countries"] or 0
                where = f" in {places:,} {'country' if places == 1 else 'countries'}"
            h_row.append(f"{esc(component)}, {esc(bloc)}: {counted(n, 'supplier')}{where}")
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[esc(b) for b in blocs],
            y=[esc(c) for c in components],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale=SEQUENTIAL,
            colorbar={"title": "suppliers"},
            zmin=0,
        )
    )
    apply_layout(fig, title, height=max(400, 28 * len(components) + 180))
    fig.update_xaxes(tickangle=-30)
    return Chart(
        chart_id,
        fig,
        frame,
        caption,
        ["Counts of named companies in the registry: a gap may be a gap in the registry."],
    )


# ---- the pages ---------------------------------------------------------------------


def _no_supply() -> list[Section]:
    """The one section shown when the published file has no supply-chain marts."""
    return [Section("Supply chain", ["This published file holds no supply-chain tables."])]


def _caveat_box() -> Markup:
    """The proxy caveat as a boxed note at the top of the page."""
    return Markup(
        '<span class="caveat" role="note"><strong>Read first.</strong> {} {}</span>'
    ).format(
        CAVEAT,
        "Values that rest on mirror flows (a country that did not report, seen through its "
        "partners' reports) and years before 2022 that cross the HS2017-HS2022 revision are "
        "flagged beside each chart. Lines with the role 'generic' are shown apart, never in "
        "the headline charts.",
    )


def overview(data: SiteData) -> list[Section]:
    """One headline paragraph: the single points of failure and the most import-dependent
    large trader, with a pointer to the supply-chain page."""
    year = complete_year(data)
    if year is None:
        return []
    said = []
    points_year = single_points_year(data)
    if points_year is not None:
        points = single_points(data, points_year)
        codes = points["hs_code"].unique().to_list()
        said.append(
            f"In {points_year}, {counted(len(codes), 'core component line')} had a single "
            "point of failure: one country supplying more than the threshold share of world "
            "exports."
        )
    matrix = trade_by_approach(data, year).filter(pl.col("approach") == "all")
    largest = top_traders(matrix)
    ranked = matrix.filter(
        pl.col("entity_code").is_in(largest), pl.col("import_dependence").is_not_null()
    ).sort(["import_dependence", "entity_name"], descending=[True, False])
    if ranked.height:
        top = ranked.row(0, named=True)
        said.append(
            f"{dependence_scope(ranked.height, len(largest), matrix.height, year)}, "
            f"{top['entity_name']} depends most on imports ({top['import_dependence']:.0%} of "
            "its trade under the core codes)."
        )
    said.append(CAVEAT)
    if is_sample(data):
        said.append("SYNTHETIC SAMPLE: invented trade flows.")
    said.append("Every chart and caveat: the supply-chain page (under Explore).")
    return [Section("Supply chain", [" ".join(said)])]


def dependence_scope(ranked: int, largest: int, traders: int, year: int) -> str:
    """Whom the overview's import-dependence sentence compares, as its opening words:
    ``ranked`` countries with an import dependence in ``year``, among the ``largest``
    traders kept of the ``traders`` in the data (every one of them when not more than
    ``TOP_COUNTRIES``, so no "largest" is said)."""
    countries = f"{ranked} {'country' if ranked == 1 else 'countries'}"
    if largest == traders:
        return f"Of the {countries} with a {year} import dependence"
    if ranked == largest:
        return f"Of the {largest} largest traders in {year}"
    return f"Of the {countries} with a {year} import dependence among the {largest} largest traders"


def page(data: SiteData) -> list[Section]:
    """The sections of the supply-chain page: the caveat, the dependency matrix, top
    exporters per component, bloc self-sufficiency, single points of failure, generic
    lines apart, the supplier registry, export controls and the HS codes used; each chart
    with its unit, source, caveat and SQL."""
    if not has_supply_chain(data):
        return _no_supply()
    year = complete_year(data)
    intro = [
        _caveat_box(),
        "Who makes and who depends on the components quantum technology is built from: "
        "dilution refrigerators and cryocoolers, helium-3 and enriched isotopes, lasers and "
        "optics, single-photon detectors, control electronics. Trade is read from UN Comtrade "
        "under HS codes that hold these components among much else; the registry names "
        "companies known to make them, each with a public source.",
    ]
    if year is None:
        return [Section("What this page shows", [*intro, "No complete trade year yet."])]
    later = incomplete_years(data)
    if later:
        intro.append(
            f"Charts show {year}, the latest complete year; {listed([str(y) for y in later])} "
            f"{'is' if len(later) == 1 else 'are'} still being reported and left out."
        )
    if is_sample(data):
        intro.append(
            "SYNTHETIC SAMPLE: the trade flows on this page are invented by qcm's "
            "demonstration sample; do not cite them. The registry and export-control tables "
            "are reviewed public facts."
        )
    sections = [Section("What this page shows", intro)]
    sections.append(_dependence_section(data, year))
    sections.append(_exporters_section(data, year))
    sections += _bloc_sections(data, year)
    sections += _single_point_sections(data)
    sections.append(_generic_section(data, year))
    sections += _registry_sections(data)
    sections.append(_controls_section(data))
    sections.append(_codes_section(data))
    return [s for s in sections if s is not None]


def _dependence_section(data: SiteData, year: int) -> Section:
    """The dependency matrix of the largest traders in ``year``, with its SQL."""
    frame = dependence_matrix(data, year)
    all_rows = frame.filter(pl.col("approach") == "all", pl.col("import_dependence").is_not_null())
    if all_rows.height:
        top = all_rows.sort(["import_dependence", "entity_name"], descending=[True, False]).row(
            0, named=True
        )
        title = (
            f"{_prefix(data)}{top['entity_name']} imports {top['import_dependence']:.0%} of its "
            f"quantum-component trade, {year}"
        )
    else:
        title = f"{_prefix(data)}Import dependence by approach, {year}"
    chart = dependence_heatmap(
        frame,
        "supply-dependence",
        title,
        _caption(
            data, "share (0-1) of imports in imports plus exports; hover: US dollars", str(year)
        ),
    )
    chart.notes += _trade_notes(frame)
    return Section(
        "Who depends on imports",
        [
            f"Import dependence per approach for the {frame['entity_code'].n_unique()} "
            "countries that trade the "
            "most under the core codes: imports / (imports + exports) of the HS codes that "
            f"proxy each approach's components, in {year}. An HS code serves several "
            "approaches, so the columns overlap."
        ],
        charts=[chart],
        code=dependence_sql(year),
    )


def _exporters_section(data: SiteData, year: int) -> Section:
    """Top exporters of each core line in ``year`` (a menu), with HHI and SQL."""
    frames, titles = {}, {}
    hhis = []
    for code, label in component_codes(data):
        choice = f"{label} ({hs_label(code)})"
        frame = top_exporters(data, year, code)
        hhi = world_value(data, "supplier_hhi", code, year)
        frames[choice] = frame.with_columns(
            pl.lit(code).alias("hs_code"), pl.lit(hhi, pl.Float64).alias("supplier_hhi")
        )
        if frame.height:
            top = frame.row(0, named=True)
            titles[choice] = (
                f"{_prefix(data)}{top['entity_name']} supplies "
                f"{top['world_export_share']:.0%} of world exports of {hs_label(code)}, {year}"
                + ("" if hhi is None else f" (supplier HHI {hhi:.2f})")
            )
            if hhi is not None:
                hhis.append((hhi, choice))
        else:
            titles[choice] = f"{_prefix(data)}No exports of {hs_label(code)}, {year}"
    chart = exporter_bars(
        frames,
        "supply-exporters",
        titles,
        _caption(data, "share (0-1) of world exports; hover: US dollars", str(year)),
    )
    chart.notes.append(
        "Supplier HHI (in each title) is the sum of squared world export shares: 1 means one "
        "country exports everything; below about 0.15 exports are spread out."
    )
    chart.notes += _trade_notes(chart.data)
    said = [
        f"The {TOP_EXPORTERS} largest exporters of each core component line in {year}, as "
        "shares of world exports (exports reported by importers, mirror reports where an "
        "importer did not report)."
    ]
    if hhis:
        hhi, choice = max(hhis)
        said.append(f"Most concentrated: {choice}, supplier HHI {hhi:.2f}.")
    first = component_codes(data)[0][0] if component_codes(data) else "841869"
    return Section(
        "Who exports each component", said, charts=[chart], code=exporters_sql(first, year)
    )


def _bloc_sections(data: SiteData, year: int) -> list[Section]:
    """Blocs' imports bought inside the bloc and countries' imports bought from their
    competitors in ``year``; a section only for an indicator the mart holds."""
    sections = []
    blocs = bloc_shares(data, year)
    if blocs:
        chart = grouped_choice_bars(
            blocs,
            "supply-blocs",
            f"{_prefix(data)}Share of each bloc's members' imports bought inside the bloc, {year}",
            _caption(data, "share (0-1) of the members' imports", str(year)),
            "share of the members' imports bought inside the bloc",
        )
        chart.notes += _trade_notes(chart.data)
        sections.append(
            Section(
                "How self-sufficient blocs are",
                [
                    "For each bloc, the share of its members' imports under the approach's core "
                    "codes that come from other members (trade between members counts). A high "
                    "share says the bloc buys from itself, not that it makes quantum "
                    "components: the codes are proxies."
                ],
                charts=[chart],
                code=bloc_sql(year),
            )
        )
    rivals = bloc_shares(data, year, "imports_from_competitors_share")
    if rivals:
        chart = grouped_choice_bars(
            rivals,
            "supply-competitors",
            f"{_prefix(data)}Share of each country's imports bought from its competitors, {year}",
            _caption(data, "share (0-1) of the country's imports", str(year)),
            "share of the country's imports bought from its competitors",
        )
        chart.notes += _trade_notes(chart.data)
        sections.append(
            Section(
                "How much countries buy from their competitors",
                [
                    "For a country with a competitor set (qcm's reviewed table of competitor "
                    "sets, each with the viewpoint it is drawn from), the share of its imports "
                    "under the core codes that come from those competitors."
                ],
                charts=[chart],
                code=bloc_sql(year, "imports_from_competitors_share"),
            )
        )
    return sections


def _point_rows(data: SiteData, points: pl.DataFrame, with_approach: bool = True) -> list[list]:
    """Single points of failure as table cells (``POINT_COLUMNS``, the approach first when
    ``with_approach``)."""
    names = _country_names(data)
    rows = []
    for r in points.iter_rows(named=True):
        rows.append(
            ([_label(data, r["approach"])] if with_approach else [])
            + [
                r["component_label"] or "-",
                hs_label(r["hs_code"]),
                r["top_exporter_name"] or r["top_exporter_iso3"] or "-",
                _percent(r["top_share"]),
                f"{names.get(r['runner_up_iso3'], r['runner_up_iso3'] or '-')} "
                f"({_percent(r['runner_up_share'])})",
                _percent(r["threshold"]),
                money(r["world_exports_usd"] or 0),
            ]
        )
    return rows


POINT_COLUMNS = [
    "Component",
    "HS code",
    "Top exporter",
    "Its share of world exports",
    "Runner-up",
    "Threshold",
    "World exports",
]


def _point_caption(data: SiteData, year: int) -> str:
    """The line under a single-points table: year, table, source, caveat, sample label."""
    sample = " SYNTHETIC SAMPLE DATA: invented trade." if is_sample(data) else ""
    return f"{year}; marts.supply_single_points (is_single_point). {SOURCE}. {CAVEAT}{sample}"


def _single_point_sections(data: SiteData) -> list[Section]:
    """The core single points of failure of the latest complete year, with SQL."""
    year = single_points_year(data)
    if year is None:
        return []
    points = single_points(data, year)
    threshold = data.single_points["threshold"].drop_nulls().unique().sort().to_list()
    said = [
        "A single point of failure: one country supplies more than the threshold share of "
        f"world exports of a component line (threshold {listed([_percent(t) for t in threshold])})"
        f". Per approach, {year}."
    ]
    if points.height == 0:
        said.append("No core line has a single point of failure this year.")
    return [
        Section(
            "Single points of failure",
            said,
            tables=[
                Table(
                    ["Approach", *POINT_COLUMNS],
                    _point_rows(data, points),
                    _point_caption(data, year),
                )
            ]
            if points.height
            else [],
            code=single_points_sql(year),
        )
    ]


def _generic_section(data: SiteData, year: int) -> Section:
    """Generic and context lines apart: their top exporters and single points, labelled."""
    frames, titles = {}, {}
    others = [
        (code, label, role)
        for role in ("generic", "context")
        for code, label in component_codes(data, role)
    ]
    for code, label, role in others:
        choice = f"{label} ({hs_label(code)}, {ROLE_WORDS[role]})"
        frame = top_exporters(data, year, code)
        frames[choice] = frame.with_columns(
            pl.lit(code).alias("hs_code"), pl.lit(role).alias("role")
        )
        titles[choice] = f"{_prefix(data)}{choice}: " + (
            f"{frame['entity_name'][0]} supplies {frame['world_export_share'][0]:.0%} of "
            f"world exports, {year}"
            if frame.height
            else f"no exports, {year}"
        )
    said = [
        "Lines whose role is 'generic' (named as single-supplier dependencies, e.g. by "
        "OECD-EPO, but dominated by other industries) or 'context' are shown here apart, and "
        "never in the charts above: their trade says little about quantum technology."
    ]
    charts = []
    if frames:
        chart = exporter_bars(
            frames,
            "supply-generic",
            titles,
            _caption(data, "share (0-1) of world exports", f"{year}; generic lines"),
        )
        chart.notes += _trade_notes(chart.data)
        charts.append(chart)
    tables = []
    points_year = single_points_year(data)
    if points_year is not None:
        points = single_points(data, points_year, core=False)
        if points.height:
            tables.append(
                Table(
                    ["Approach", *POINT_COLUMNS],
                    _point_rows(data, points),
                    "Generic lines: " + _point_caption(data, points_year),
                )
            )
    if not frames and not tables:
        said.append("This build has no generic or context line.")
    return Section(
        "Generic lines, shown apart",
        said,
        charts=charts,
        tables=tables,
        code=exporters_sql(others[0][0], year) if others else None,
    )


def _registry_sections(data: SiteData) -> list[Section]:
    """Registry supplier counts per component and bloc, and the registry itself."""
    counts = data.supplier_counts
    sections = []
    if "suppliers" in counts.columns:
        blocs = counts.filter(pl.col("entity_type") == "bloc").select(
            "component",
            "component_label",
            "entity_code",
            pl.col("entity_code").replace(common.bloc_labels(data)).alias("entity_name"),
            "suppliers",
            "supplier_countries",
        )
        charts = []
        if blocs.height:
            charts.append(
                supplier_heatmap(
                    blocs,
                    "supply-registry-counts",
                    "Named suppliers per component and bloc (supplier registry)",
                    f"unit: companies (headquarters). {REGISTRY_SOURCE}. Reviewed public "
                    "facts, not sample data.",
                )
            )
        sections.append(
            Section(
                "Who makes the components: the supplier registry",
                [
                    "qcm's registry lists companies known to make each component, each with "
                    "a public source (checked by a reviewer where 'source checked' says yes). "
                    "It is a list, not a census: small and national suppliers are missing, and "
                    "a company counts where it is headquartered, not where it makes things."
                ],
                charts=charts,
                code=registry_sql(),
            )
        )
    suppliers = registry(data)
    if "company" in suppliers.columns:
        sections.append(
            Section(
                "The supplier registry",
                [],
                tables=[_registry_table(suppliers, with_country=True)],
            )
        )
    return sections


def _registry_table(rows: pl.DataFrame, with_country: bool) -> Table:
    """Registry rows as a table: company, headquarters (``with_country``), component,
    product, a link to the source and whether a reviewer checked it."""
    columns = ["Company"] + (["Headquarters"] if with_country else [])
    columns += ["Component", "Product", "Source", "Source checked"]
    body = [
        [r["company"]]
        + ([r["country_name"] or r["country_iso3"] or "-"] if with_country else [])
        + [
            r["component_label"] or r["component"] or "-",
            r["product"] or "-",
            _link(r["source_url"], r["source_title"]),
            "yes" if str(r["source_checked"]).lower() in ("yes", "true") else "no",
        ]
        for r in rows.iter_rows(named=True)
    ]
    return Table(
        columns,
        body,
        f"{REGISTRY_SOURCE}. 'Source checked: no' marks a row whose source a reviewer has not "
        "opened yet.",
    )


def _controls_section(data: SiteData) -> Section:
    """The export-control cross-walk as a table."""
    rows = data.export_controls
    if "regime" not in rows.columns:
        return Section("Export controls", ["This build holds no export-control cross-walk."])
    body = [
        [
            r["regime"] or "-",
            r["entry"] or "-",
            r["title"] or "-",
            r["component_label"] or r["component"] or "-",
            _approach_words(data, r["approaches"]),
            str(r["effective_date"] or "-"),
            _link(r["source_url"]),
            r["note"] or "",
        ]
        for r in rows.iter_rows(named=True)
    ]
    return Section(
        "Export controls",
        [
            "Export-control entries that name quantum components or systems, cross-walked to "
            "the registry's components. An entry controls exports of the named items; it "
            "says nothing about the trade above, which HS codes cannot separate."
        ],
        tables=[
            Table(
                [
                    "Regime",
                    "Entry",
                    "Title",
                    "Component",
                    "Approaches",
                    "In force from",
                    "Source",
                    "Note",
                ],
                body,
                CONTROLS_SOURCE + ".",
            )
        ],
    )


def _codes_section(data: SiteData) -> Section:
    """The HS codes read, with revision, role and comparability (anchor ``#hs-codes``)."""
    codes = data.hs_codes
    paragraphs = [
        Markup('<span id="hs-codes">{}</span>').format(
            "The HS codes read, with their revision and role. 'Core' lines feed the headline "
            "charts; 'generic' and 'context' lines are shown apart. An HS2017 line not "
            "comparable with its HS2022 successor (comparable: no) breaks the series before "
            "2022."
        )
    ]
    if "hs_code" not in codes.columns:
        return Section("The trade codes used", paragraphs)
    body = [
        [
            hs_label(r["hs_code"]),
            r["hs_revision"] or "-",
            r["description"] or "-",
            r["component_label"] or "-",
            ROLE_WORDS.get(r["role"], r["role"] or "-"),
            "-"
            if r["comparable"] is None
            else ("yes" if r["comparable"] in (True, "yes") else "no"),
            r["note"] or "",
        ]
        for r in codes.iter_rows(named=True)
    ]
    return Section(
        "The trade codes used",
        paragraphs,
        tables=[
            Table(
                ["HS code", "Revision", "Description", "Component", "Role", "Comparable", "Note"],
                body,
                "marts.hs_codes: qcm's reviewed table of HS proxy codes, each row with its "
                "source in the published file.",
            )
        ],
    )


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """An approach page's supply-chain section: the import-dependence ranking of the largest
    traders under its codes and its single points of failure; [] when it has neither."""
    year = complete_year(data)
    if year is None:
        return []
    frame = trade_by_approach(data, year).filter(pl.col("approach") == approach_id)
    ranked = frame.filter(pl.col("entity_code").is_in(top_traders(frame, TOP_RANKED))).filter(
        pl.col("import_dependence").is_not_null()
    )
    points_year = single_points_year(data)
    points = (
        single_points(data, points_year, approach_id) if points_year is not None else pl.DataFrame()
    )
    if ranked.height == 0 and points.height == 0:
        return []
    label = _label(data, approach_id)
    charts = []
    if ranked.height:
        ranked = ranked.sort(["import_dependence", "entity_name"], descending=[True, False])
        top = ranked.row(0, named=True)
        bars = ranked.select(
            pl.col("entity_name").alias("label"),
            pl.col("import_dependence").alias("value"),
            "entity_code",
            "imports_usd",
            "exports_usd",
            "mirror_share",
        ).with_columns(
            pl.Series(
                "hover",
                [
                    f"{r['entity_name']}: {_percent(r['import_dependence'])} (imports "
                    f"{money(r['imports_usd'] or 0)}, exports {money(r['exports_usd'] or 0)})"
                    for r in ranked.iter_rows(named=True)
                ],
                dtype=pl.String,
            )
        )
        chart = value_bars(
            bars,
            f"supply-{approach_id}-dependence",
            f"{_prefix(data)}{label}: {top['entity_name']} depends most on imports of its "
            f"components, {year}",
            _caption(data, "share (0-1) of imports in imports plus exports", str(year)),
            "import dependence: imports / (imports + exports)",
            percent=True,
            notes=[
                f"The {ranked.height} countries that trade the most under the approach's core "
                "codes (with a known import dependence), most import-dependent on top."
            ],
        )
        chart.notes += _trade_notes(bars)
        charts.append(chart)
    tables = []
    if points.height:
        tables.append(
            Table(
                POINT_COLUMNS,
                _point_rows(data, points, with_approach=False),
                _point_caption(data, points_year),
            )
        )
    said = [
        f"Trade under the HS codes that proxy the components of {label}. {CAVEAT}"
        + (" SYNTHETIC SAMPLE: invented trade." if is_sample(data) else "")
    ]
    if points_year is not None:
        named = [
            (
                f"{r['component_label']} (HS {hs_label(r['hs_code'])})"
                if r["component_label"]
                else f"HS {hs_label(r['hs_code'])}"
            )
            + f", {r['top_exporter_name'] or r['top_exporter_iso3']} "
            f"{_percent(r['top_share'])} of world exports"
            for r in points.head(POINTS_NAMED).iter_rows(named=True)
        ]
        more = (
            f", and {points.height - POINTS_NAMED} more (the table)"
            if points.height > POINTS_NAMED
            else ""
        )
        said.append(
            f"{counted(points.height, 'single point')} of failure in {points_year}: "
            f"{'; '.join(named)}{more}."
            if points.height
            else f"No single point of failure in {points_year}."
        )
    return [
        Section(
            "Supply chain",
            said,
            charts=charts,
            tables=tables,
            links=[("Supply chain", [("supply_chain.html", "Every approach's supply chain")])],
        )
    ]


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's supply chain: exports and imports by approach over time, import
    dependence, where its imports come from, and the registry suppliers headquartered
    there; nothing when the country has no trade rows."""
    year = complete_year(data)
    if year is None:
        return []
    series = country_series(data, iso3)
    if series.height == 0:
        return []
    name = country_name(data, iso3)
    choices = {
        a: _label(data, a) for a in _ordered_approaches(data, series["approach"].unique().to_list())
    }
    latest = trade_by_approach(data, year).filter(pl.col("entity_code") == iso3)
    said = []
    everything = latest.filter(pl.col("approach") == "all")
    if everything.height:
        r = everything.row(0, named=True)
        flows = " and ".join(
            f"{verb} {'at least ' if r[f'{flow}_withheld'] else ''}{money(r[f'{flow}_usd'] or 0)}"
            for flow, verb in (("imports", "imported"), ("exports", "exported"))
        )
        detail = (
            "import dependence left out"
            if r["import_dependence"] is None
            else f"import dependence {_percent(r['import_dependence'])}"
        )
        if r["value_missing"]:
            which = " and ".join(f for f in ("imports", "exports") if r[f"{f}_withheld"])
            detail = f"a reporter withheld part of the {which}, value_missing in the CSV; {detail}"
        said.append(f"In {year}, {name} {flows} under the core codes ({detail}). {CAVEAT}")
    else:
        said.append(CAVEAT)
    if is_sample(data):
        said.append("SYNTHETIC SAMPLE: invented trade flows.")
    charts = [
        trade_lines(
            series,
            f"supply-{iso3}-trade",
            choices,
            f"{_prefix(data)}{name}: exports and imports under the quantum component codes",
            _caption(data, "million current US dollars (US dollars in the CSV)"),
            incomplete_years(data),
        )
    ]
    ranked = latest.filter(pl.col("import_dependence").is_not_null(), pl.col("approach") != "all")
    if ranked.height:
        bars = (
            ranked.with_columns(
                pl.col("approach")
                .map_elements(lambda a: _label(data, a), return_dtype=pl.String)
                .alias("label")
            )
            .sort(["import_dependence", "label"], descending=[True, False])
            .select(
                "label",
                pl.col("import_dependence").alias("value"),
                "approach",
                "imports_usd",
                "exports_usd",
                "mirror_share",
            )
        )
        bars = bars.with_columns(
            pl.Series(
                "hover",
                [
                    f"{r['label']}: {_percent(r['value'])} (imports {money(r['imports_usd'] or 0)}"
                    f", exports {money(r['exports_usd'] or 0)})"
                    for r in bars.iter_rows(named=True)
                ],
                dtype=pl.String,
            )
        )
        chart = value_bars(
            bars,
            f"supply-{iso3}-dependence",
            f"{_prefix(data)}{name}: import dependence by approach, {year}",
            _caption(data, "share (0-1) of imports in imports plus exports", str(year)),
            "import dependence: imports / (imports + exports)",
            percent=True,
        )
        chart.notes += _trade_notes(bars)
        charts.append(chart)
    partners = import_partners(data, iso3, year)
    if partners.height:
        bars = partners.select(
            pl.col("exporter_name").alias("label"),
            pl.col("value_usd").alias("value"),
            "exporter_iso3",
            "share",
            "mirror_usd",
        ).with_columns(
            pl.Series(
                "hover",
                [
                    f"{r['exporter_name']}: {money(r['value_usd'])} ({_percent(r['share'])} of "
                    f"{possessive(name)} imports under the core codes)"
                    + (
                        f"; {money(r['mirror_usd'])} from its own mirror report"
                        if r["mirror_usd"]
                        else ""
                    )
                    for r in partners.iter_rows(named=True)
                ],
                dtype=pl.String,
            )
        )
        chart = value_bars(
            bars,
            f"supply-{iso3}-partners",
            f"{_prefix(data)}Where {possessive(name)} imports of quantum component codes come "
            f"from, {year}",
            _caption(data, "current US dollars", str(year)),
            "imports, US dollars",
            percent=False,
            notes=[f"The {TOP_PARTNERS} largest partners (marts.trade_flows)."],
        )
        if partners["mirror_usd"].sum() > 0:
            chart.notes.append(
                f"Some of these imports rest on partners' mirror reports: {MIRROR_BASIS}."
            )
        charts.append(chart)
    suppliers = registry(data, iso3)
    tables = []
    if "company" in suppliers.columns and suppliers.height:
        tables.append(_registry_table(suppliers, with_country=False))
        said.append(
            f"{counted(suppliers.height, 'registry supplier')} headquartered in {name} (table)."
        )
    return [
        Section(
            "Supply chain",
            said,
            charts=charts,
            tables=tables,
            code=country_sql(iso3, year),
            links=[("Supply chain", [("supply_chain.html", "Every country's supply chain")])],
        )
    ]


def methods(data: SiteData) -> list[Section]:
    """Supply-chain definitions (meta.indicators) and plain-language method notes: HS
    proxies and revisions, mirror flows, RCA, HHI, single points of failure, the registry's
    limits, with an SQL example."""
    if not has_supply_chain(data):
        return []
    defs = data.supply_definitions
    table = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [r["name"], r["definition"], r["unit"], r["method_version"]]
            for r in defs.iter_rows(named=True)
        ]
        if "definition" in defs.columns
        else [],
    )
    threshold = (
        data.single_points["threshold"].drop_nulls().unique().sort().to_list()
        if "threshold" in data.single_points.columns
        else []
    )
    said = [
        "HS proxies. Trade is read under 6-digit Harmonized System codes chosen because a "
        "quantum component is classified there (customs rulings put dilution refrigerators "
        "under 8418.69, for example). " + CAVEAT + " A code's value therefore measures a "
        "country's trade in the wider product line: read the charts as an upper bound and as "
        "a map of who can make the kind of equipment, not as quantum trade.",
        "HS revisions. Series follow HS2022 codes. Before 2022 a code's value comes from its "
        "HS2017 predecessor; where that line is not comparable (new HS2022 lines such as "
        "helium-3, 2845.40, or photodiodes, 8541.49) the years before 2022 are flagged "
        "series_break and a jump at 2022 is an artefact of the revision.",
        "Mirror flows. A country's imports are taken from its own report; when a country did "
        "not report a year, its trade is taken from its partners' reports (mirror flows). "
        "Imports are valued CIF (with freight and insurance) and exports FOB (without), so a "
        "mirror value differs from what the missing reporter would have said; qcm does not "
        "adjust it and records the share of each value that rests on mirror reports "
        "(mirror_share).",
        "Export activity index (revealed comparative advantage): a country's share of world "
        "exports of a code divided by its share of world exports over all codes read; 1 is the "
        "world average, above 1 a specialisation.",
        "Import dependence: imports / (imports + exports) of the codes, 0 to 1.",
        "Supplier concentration (HHI): the sum of the squared shares of world exports of a "
        "code, 0 to 1; 1 means a single exporter.",
        "Single point of failure: one country's share of world exports of a code above the "
        f"threshold ({listed([_percent(t) for t in threshold]) or 'see marts.supply_single_points'}"
        "), for the approaches the code serves.",
        "Supplier registry: a reviewed list of named companies, each with a public source; "
        "'source checked: no' marks rows whose source a reviewer has not opened. It is not a "
        "census: small, national and military suppliers are missing, and a company counts "
        "where it is headquartered.",
    ]
    if is_sample(data):
        said.append("In this build the trade flows are the SYNTHETIC SAMPLE.")
    return [
        Section(
            "Supply chain: what the numbers mean",
            said,
            tables=[table],
            links=[("Supply chain", [("supply_chain.html#hs-codes", "The trade codes used")])],
        ),
        Section(
            "Supply chain: reproduce a country's world export share",
            [
                "World export shares are a country's exports of a code over every exporter's, "
                "as each reported them to the world (its partners' mirror reports where it "
                "filed none); this query rebuilds them from marts.trade_country_totals, to "
                "compare with world_export_share in marts.supply_chain_indicators. Summed "
                "from the importers' reports in marts.trade_flows, as the composite's supply "
                "chain family is, they differ: countries report trade with partners who do "
                "not report, and exporters and importers value one shipment differently."
            ],
            code=reproduce_sql(),
        ),
    ]


def reproduce_sql() -> str:
    """An SQL example that rebuilds every exporter's world export share per code and year
    from the countries' export totals, as marts.supply_chain_indicators has them."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select hs_code, year, country_iso3,\n"
        "    sum(value_usd) / sum(sum(value_usd)) over (partition by hs_code, year)\n"
        "        as world_export_share\n"
        "from marts.trade_country_totals\n"
        "where flow = 'exports' and hs_code <> 'TOTAL' and value_usd is not null\n"
        "group by hs_code, year, country_iso3\n"
        "order by hs_code, year, world_export_share desc;"
    )


# ---- SQL to reproduce each chart ---------------------------------------------------


def dependence_sql(year: int) -> str:
    """SQL for the dependency matrix: import dependence per country and approach."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select entity_name, approach, round(value, 3) as import_dependence\n"
        "from marts.supply_chain_indicators\n"
        "where indicator = 'import_dependence' and level = 'approach'\n"
        f"  and entity_type = 'country' and year = {year}\n"
        "order by entity_name, approach;"
    )


def exporters_sql(code: str, year: int, n: int = TOP_EXPORTERS) -> str:
    """SQL for the top exporters of one HS series code (``code``, six digits)."""
    safe = "".join(c for c in code if c.isalnum())
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select entity_name, round(value, 4) as world_export_share\n"
        "from marts.supply_chain_indicators\n"
        "where indicator = 'world_export_share' and level = 'component'\n"
        f"  and entity_type = 'country' and hs_code = '{safe}' and year = {year}\n"
        f"order by value desc, entity_name\nlimit {n};"
    )


def bloc_sql(year: int, indicator: str = "imports_from_bloc_share") -> str:
    """SQL for the blocs' shares of imports bought inside the bloc (``indicator``
    imports_from_bloc_share) or the countries' shares bought from their competitors
    (imports_from_competitors_share)."""
    if indicator != "imports_from_bloc_share":
        return (
            "-- duckdb -readonly qcm.duckdb\n"
            f"select approach, entity_name, round(value, 3) as {indicator}\n"
            "from marts.supply_chain_indicators\n"
            f"where indicator = '{indicator}' and entity_type = 'country'\n"
            f"  and level = 'approach' and year = {year}\n"
            f"order by approach, {indicator} desc, entity_name;"
        )
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select mart.approach, coalesce(blocs.short_name, mart.entity_code) as bloc,\n"
        f"    round(mart.value, 3) as {indicator}\n"
        "from marts.supply_chain_indicators as mart\n"
        "left join marts.blocs as blocs on blocs.bloc = mart.entity_code\n"
        f"where mart.indicator = '{indicator}' and mart.entity_type = 'bloc'\n"
        f"  and mart.level = 'approach' and mart.year = {year}\n"
        f"order by mart.approach, {indicator} desc, bloc;"
    )


def single_points_sql(year: int) -> str:
    """SQL for the single points of failure of ``year``."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select approach, component_label, hs_code, top_exporter_name,\n"
        "    round(top_share, 3) as top_share, threshold, role\n"
        "from marts.supply_single_points\n"
        f"where is_single_point and year = {year}\n"
        "order by approach, top_share desc, hs_code;"
    )


def registry_sql() -> str:
    """SQL for the registry's supplier counts per component and bloc."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select counts.component_label, coalesce(blocs.short_name, counts.entity_code) as bloc,\n"
        "    counts.suppliers, counts.supplier_countries\n"
        "from marts.supplier_counts as counts\n"
        "left join marts.blocs as blocs on blocs.bloc = counts.entity_code\n"
        "where counts.entity_type = 'bloc'\n"
        "order by counts.component_label, bloc;"
    )


def country_sql(iso3: str, year: int) -> str:
    """SQL for where a country's imports come from under the core codes (every code that
    marts.hs_codes does not mark generic or context). ``iso3`` is three letters."""
    code = "".join(c for c in iso3 if c.isalnum())
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select exporter_iso3, sum(value_usd) as imports_usd,\n"
        "    sum(value_usd) filter (where basis = 'mirror') as mirror_usd\n"
        "from marts.trade_flows\n"
        f"where importer_iso3 = '{code}' and year = {year}\n"
        "  and hs_code not in (select hs_code from marts.hs_codes\n"
        "      where hs_revision = 'HS2022' and role <> 'core')\n"
        "group by exporter_iso3\n"
        "order by imports_usd desc, exporter_iso3;"
    )
