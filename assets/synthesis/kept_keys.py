"""The composite's rows kept per approach and year between builds, so a build scores again
only the approaches and years whose values changed.

The score rows (``indicators.synthesis_scores``) and sensitivity rows
(``indicators.synthesis_sensitivity``) of one approach and year (a *key*) depend only on
that key's groups (each family's point and resampled shares, the capability values), the
points of the families the sensitivity scenarios count again there, the blocs' capability
there, and what every key shares (the weights, the codes ranked, the blocs' members, the
interval, the number of resamples and the code). A fingerprint of these is kept per key in
``core.synthesis_key_fingerprints`` with the rows written; a build whose last scores were
written whole takes the rows of every key whose fingerprint is unchanged from them, and
scores the others, in the order a build of every key gives.

In: the keys' values as ``assets.synthesis.assets.synthesis_scores`` gathers them. Out: the
fingerprints, the kept table, and the score and sensitivity rows put together.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping

import duckdb
import polars as pl

from assets.synthesis.bootstrap import GroupValues
from assets.synthesis.composite import Key
from assets.synthesis.sensitivity import SCENARIOS
from pipelines.db import replace_table, table_exists

KEY_TABLE = "core.synthesis_key_fingerprints"
_KEY_INDEX = "_qcm_key_index"  # a column of the rows put together, dropped before they return


def shared_digest(parts: object) -> str:
    """SHA-256 of what every key's rows depend on (``parts``: any JSON value)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _group_bytes(digest: "hashlib._Hash", name: str, group: GroupValues) -> None:
    digest.update(name.encode() + b"\0" + "\0".join(group.countries).encode() + b"\0")
    digest.update(group.value.tobytes())
    if group.resampled is not None:
        digest.update(group.resampled.tobytes())
    digest.update(b"\1")


def fingerprints(
    groups: Mapping[Key, Mapping[str, GroupValues]],
    rewritten: Mapping[tuple[str, str, str, int], GroupValues],
    bloc_capability: Mapping[tuple[str, int, str], float],
    shared: str,
) -> dict[Key, str]:
    """The fingerprint of every key of ``groups`` (families' values, capability included):
    its groups, the ``rewritten`` points of its families (scenario, family, approach,
    year), its blocs' capability (approach, year, bloc) and ``shared``."""
    by_key: dict[Key, list[tuple[str, GroupValues]]] = {}
    for (scenario, family, approach, year), group in rewritten.items():
        by_key.setdefault((approach, year), []).append((f"{scenario}/{family}", group))
    blocs: dict[Key, list[tuple[str, float]]] = {}
    for (approach, year, bloc), value in bloc_capability.items():
        blocs.setdefault((approach, year), []).append((bloc, value))
    out = {}
    for key, families in groups.items():
        digest = hashlib.sha256(shared.encode())
        for family in sorted(families):
            _group_bytes(digest, family, families[family])
        for name, group in sorted(by_key.get(key, []), key=lambda item: item[0]):
            _group_bytes(digest, name, group)
        digest.update(json.dumps(sorted(blocs.get(key, []))).encode())
        out[key] = digest.hexdigest()
    return out


def stored(con: duckdb.DuckDBPyConnection) -> dict[Key, str]:
    """The fingerprints kept with the last rows written (none before the first)."""
    if not table_exists(con, KEY_TABLE):
        return {}
    rows = con.execute(f"select approach, year, fingerprint from {KEY_TABLE}").fetchall()
    return {(approach, int(year)): fingerprint for approach, year, fingerprint in rows}


def store(con: duckdb.DuckDBPyConnection, prints: Mapping[Key, str]) -> None:
    """Keep ``prints`` as the fingerprints of the rows just written."""
    frame = pl.DataFrame(
        [(approach, year, fingerprint) for (approach, year), fingerprint in prints.items()],
        schema={"approach": pl.String, "year": pl.Int64, "fingerprint": pl.String},
        orient="row",
    )
    replace_table(con, KEY_TABLE, frame)


def _of_keys(frame: pl.DataFrame, keys: Iterable[Key]) -> pl.DataFrame:
    """The rows of ``frame`` (columns approach and year) of ``keys``."""
    schema = {"approach": pl.String, "year": pl.Int64}
    wanted = pl.DataFrame(list(keys), schema=schema, orient="row")
    return frame.join(wanted, on=["approach", "year"], how="semi", maintain_order="left")


def merged_scores(
    previous: pl.DataFrame, fresh: pl.DataFrame, kept: Iterable[Key], order: Iterable[Key]
) -> pl.DataFrame:
    """The score rows of the ``kept`` keys from ``previous`` with the ``fresh`` rows of the
    others, key after key in ``order`` (each key's rows in the order they were made)."""
    index = pl.DataFrame(
        [(approach, year, i) for i, (approach, year) in enumerate(order)],
        schema={"approach": pl.String, "year": pl.Int64, _KEY_INDEX: pl.Int64},
        orient="row",
    )
    rows = pl.concat([_of_keys(previous, kept), fresh.select(previous.columns)])
    return (
        rows.join(index, on=["approach", "year"], how="left", maintain_order="left")
        .sort(_KEY_INDEX, maintain_order=True)
        .drop(_KEY_INDEX)
    )


def merged_sensitivity(
    previous: pl.DataFrame, fresh: pl.DataFrame, kept: Iterable[Key]
) -> pl.DataFrame:
    """The sensitivity rows of the ``kept`` keys from ``previous`` with the ``fresh`` rows
    of the others, in the order ``sensitivity_rows`` gives: scenario, key, country."""
    scenarios = pl.DataFrame(
        {"scenario": [s.scenario for s in SCENARIOS], _KEY_INDEX: range(len(SCENARIOS))},
        schema={"scenario": pl.String, _KEY_INDEX: pl.Int64},
    )
    rows = pl.concat([_of_keys(previous, kept), fresh.select(previous.columns)])
    return (
        rows.join(scenarios, on="scenario", how="left", maintain_order="left")
        .sort([_KEY_INDEX, "approach", "year", "country_iso3"], maintain_order=True)
        .drop(_KEY_INDEX)
    )
