"""Hostile strings at every entry point a user or a file controls: settings, command-line
options, the synthesis settings file, landing-zone names and published paths. Each is
refused with a message naming it, or carried as a value that SQL never reads as code."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.synthesis.config import SynthesisConfigError, check_names, load_config
from pipelines.cli import parse_years, year_keys
from pipelines.db import connect, replace_table
from pipelines.landing import check_name
from pipelines.publish import publish
from pipelines.settings import SettingsError, credential, parse_source_dirs, service_url

pytestmark = pytest.mark.unit
INJECTION = "x'; drop table marts.numbers; --"
SETTINGS_FILE = Path(__file__).parents[2] / "assets" / "reference" / "synthesis.yml"


@pytest.mark.parametrize("size", [INJECTION, "4GB'; drop table x; --", "4GB; set threads=1"])
def test_a_memory_limit_is_a_size_or_nothing(tmp_path: Path, size: str) -> None:
    with (
        pytest.raises(ValueError, match="is not a size such as 4GB"),
        connect(tmp_path / "work.duckdb", size),
    ):
        pass


@pytest.mark.parametrize(
    "pair", [f"{INJECTION}=/tmp/x", "openalex", "openalex=", "patents=/a;bogus'--=/b"]
)
def test_source_directories_name_known_sources_only(pair: str) -> None:
    with pytest.raises(SettingsError, match="source"):
        parse_source_dirs(pair)


@pytest.mark.parametrize("years", [INJECTION, "2024; rm -rf /", "2024-2020", "20 24"])
def test_years_are_years(years: str) -> None:
    with pytest.raises(SettingsError, match="--years"):
        parse_years(years)


def test_years_a_fetch_has_no_partition_for_are_named_not_dropped() -> None:
    known = [str(y) for y in range(2010, 2026)]
    assert year_keys("UN Comtrade", known, [2024, 2025]) == (["2024", "2025"], "")
    assert year_keys("UN Comtrade", known, [2025, 2026]) == (
        ["2025"],
        "qcm build: UN Comtrade has no year 2026 to fetch (its years run 2010-2025); "
        "fetching the others",
    )
    assert year_keys("UN Comtrade", known, [2031]) == (
        [],
        "qcm build: UN Comtrade has no year 2031 to fetch (its years run 2010-2025); "
        "nothing fetched from it",
    )


@pytest.mark.parametrize("name", [INJECTION, "../../etc/passwd", "a/b", "2020\n", ""])
def test_landing_names_cannot_leave_their_folder(name: str) -> None:
    with pytest.raises(ValueError, match="cannot be used as a landing-zone name"):
        check_name(name, "partition")


def test_service_urls_and_keys_refuse_what_could_leak_a_key() -> None:
    with pytest.raises(SettingsError, match="must be https"):
        service_url("QCM_TEST_URL", "https://x", {"QCM_TEST_URL": "http://evil.example/"})
    with pytest.raises(SettingsError, match="spaces or control characters"):
        credential("QCM_TEST_KEY", "get one", {"QCM_TEST_KEY": "abc\r\nX-Injected: 1"})


def test_synthesis_names_are_checked_against_the_reference_tables(tmp_path: Path) -> None:
    path = tmp_path / "synthesis.yml"
    path.write_text(
        SETTINGS_FILE.read_text().replace("focus_bloc: NATO", f'focus_bloc: "{INJECTION}"')
    )
    config = load_config(path)
    with pytest.raises(SynthesisConfigError, match=r"is not a bloc of ref\.blocs"):
        check_names(config, {"NATO"}, {"US_FOREIGN_ADVERSARIES"})


def test_text_from_sources_and_settings_is_stored_as_values(tmp_path: Path) -> None:
    # a title, a name or a setting reaches the database through a frame: it stays a value
    with connect(tmp_path / "work.duckdb") as con:
        con.execute("create table marts.numbers as select 1 as n")
        replace_table(
            con, "ref.synthesis_settings", pl.DataFrame({"key": ["x"], "value": [INJECTION]})
        )
        stored = con.execute("select value from ref.synthesis_settings").fetchone()[0]
        assert stored == INJECTION
        assert con.execute("select count(*) from marts.numbers").fetchone() == (1,)


def test_published_paths_with_quotes_are_safe(tmp_path: Path) -> None:
    work = tmp_path / "it's work.duckdb"
    con = duckdb.connect(str(work))
    con.execute("create schema marts; create schema meta")
    con.execute("create table marts.numbers as select range as n from range(3)")
    con.execute("create table meta.source_files as select 'synthetic sample' as data_kind")
    con.execute(
        "create table meta.tables as select 'marts.numbers' as table_name, 3::bigint as row_count, "
        "'synthetic sample' as data_kind"
    )
    con.close()
    out = tmp_path / "out'; drop table marts.numbers; --"
    result = publish(work, out)
    reader = duckdb.connect(str(result.database), read_only=True)
    assert reader.execute("select count(*) from marts.numbers").fetchone() == (3,)
    reader.close()
