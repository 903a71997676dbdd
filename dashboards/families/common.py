"""What every indicator family needs: filtering a mart, approach labels, number words.

Pure helpers over ``SiteData`` and Polars frames; each family module imports them rather
than keeping its own copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from dashboards.data import SiteData, derived_per_site

NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def rows(frame: pl.DataFrame, **equals: object) -> pl.DataFrame:
    """The rows of ``frame`` whose columns equal the given values (column=value, ...), in
    one pass over the frame."""
    return frame.filter(**equals) if equals else frame


@derived_per_site
def bloc_members(data: SiteData, bloc: str | None, year: int) -> set[str]:
    """ISO3 codes of the countries that counted for ``bloc`` in ``year`` (none for no
    bloc, or for a file without the member years)."""
    rows = data.member_years
    if bloc is None or not {"bloc", "year", "iso3"} <= set(rows.columns):
        return set()
    return set(rows.filter(pl.col("bloc") == bloc, pl.col("year") == year)["iso3"].to_list())


@derived_per_site
def bloc_labels(data: SiteData) -> dict[str, str]:
    """Bloc code -> the short name charts and tables show (marts.blocs short_name: Five
    Eyes for FIVE_EYES); a bloc without one, or a file published before the column, shows
    its code."""
    blocs = data.blocs
    if not {"bloc", "short_name"} <= set(blocs.columns):
        return {}
    return {
        str(code): str(short)
        for code, short in zip(blocs["bloc"], blocs["short_name"], strict=True)
        if code is not None and short
    }


def bloc_label(data: SiteData, code: str) -> str:
    """The short name of the bloc ``code`` (``bloc_labels``), else the code itself."""
    return bloc_labels(data).get(code, code)


def interval_level(data: SiteData) -> float:
    """The level of the published intervals of shares of records (meta.methods
    share_interval_level, 0.9 for 90%): the level at which a chart computes an interval the
    marts do not hold (a sum over years, say), so that it matches theirs."""
    text = data.methods.get("share_interval_level", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"meta.methods share_interval_level is {text!r}, not a level such as 0.9: the "
            "charts' intervals follow the level the file states; publish it with the current "
            "pipeline (assets/reference/methods.csv)"
        ) from None


def labels(data: SiteData) -> dict[str, str]:
    """Approach id -> label, for every approach of marts.approaches."""
    return dict(zip(data.approaches["approach"], data.approaches["label"], strict=True))


def classified(data: SiteData) -> list[str]:
    """The approach ids a work or family can be placed in (not 'all', not 'unclassified')."""
    return [a for a in data.approaches["approach"] if a not in ("all", "unclassified")]


def is_adjacent(data: SiteData, approach: str) -> bool:
    """Whether ``approach`` is adjacent to quantum technology (marts.approaches family
    'adjacent': post-quantum cryptography), reported apart and not inside 'all'."""
    if "family" not in data.approaches.columns:
        return False
    rows = data.approaches.filter(pl.col("approach") == approach)
    return bool(rows.height) and rows["family"][0] == "adjacent"


def number_word(n: int) -> str:
    """``n`` in words up to ten (``three``), in digits above (``12``)."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def clear_top(values: list[float], digits: int = 6) -> bool:
    """Whether the first of activity-index ``values`` (highest first) is clearly the most
    specialised: two or more values, the first above 1 and not tied with the second
    (equal to ``digits`` decimals, as float sums differ in their last bits)."""
    if len(values) < 2:
        return False
    top, second = round(values[0], digits), round(values[1], digits)
    return top > 1 and top != second


def possessive(name: str) -> str:
    """``name``'s, or ``name``' for names ending in s (United States')."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def years_words(years: Sequence[int]) -> str:
    """Years as runs: ``2019``, ``2016-2018 and 2021``; "" for none."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return listed([f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs])


def listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; "" for no words."""
    if not words:
        return ""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def counted(n: int, noun: str) -> str:
    """``1 move``, ``3 moves``, ``1,200 moves``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def hidden_within(
    data: SiteData, frame: str, column: str, first: int, last: int, **equals: object
) -> set[Any]:
    """The values of ``column`` (an entity's code, say) of the rows of ``frame`` (a name of
    ``dashboards.data.SUPPRESSIBLE``) whose columns equal the given values, in the years
    ``first``-``last``, that the release published without their numbers
    (``SiteData.hidden``). A sum over those years would leave such a row out and
    understate the total, so none is made for them. Empty unless the release suppresses
    small numbers."""
    rows = data.hidden(frame, **equals).filter(pl.col("year").is_between(first, last))
    return set(rows[column].to_list())


def left_out_of_sums(what: str, span: str) -> str:
    """The sentence that says ``what`` (plural: "countries with ...") was left out of the
    sums over ``span`` because a year of theirs is suppressed."""
    return (
        f"This release suppresses small numbers: {what} with a year too small to publish in "
        f"{span} are left out, as a sum of their other years would understate them."
    )


def filled_years(
    frame: pl.DataFrame, years: list[int], names: list[str], hidden: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``frame`` (entity_name, year, value) with a row for each of ``names`` in each of
    ``years``: zero where ``frame`` has none (the marts hold no row for a year without
    records, and a line drawn only through the years with some would run straight across
    those without), empty where ``hidden`` (entity_name, year: rows the release published
    without their numbers) has it, so that the line breaks there."""
    year_type = frame.schema.get("year", pl.Int64)
    grid = pl.DataFrame({"entity_name": names}, schema={"entity_name": pl.String}).join(
        pl.DataFrame({"year": years}, schema={"year": year_type}), how="cross"
    )
    filled = grid.join(frame, on=["entity_name", "year"], how="left")
    if hidden is not None and hidden.height:
        marked = (
            hidden.select("entity_name", pl.col("year").cast(year_type))
            .unique()
            .with_columns(pl.lit(True).alias("hidden"))
        )
        filled = filled.join(marked, on=["entity_name", "year"], how="left")
        zero = pl.when(pl.col("hidden")).then(None).otherwise(0.0)
        filled = filled.with_columns(pl.col("value").fill_null(zero)).drop("hidden")
    else:
        filled = filled.with_columns(pl.col("value").fill_null(0.0))
    return filled.sort("entity_name", "year")
