"""DuckDB's memory limit and threads as qcm sets them: sizes read as DuckDB reads them, a
limit lowered for a block always put back, threads shared out among queries run at once."""

from pathlib import Path

import duckdb
import pytest

from pipelines.db import connect, memory_lowered, size_bytes, threads_shared

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("4GB", 4 * 10**9),
        ("512MB", 512 * 10**6),
        ("1.5 GB", 15 * 10**8),
        ("4G", 4 * 10**9),
        ("4Gb", 4 * 10**9),
        ("2GiB", 2 * 2**30),
        ("256mib", 256 * 2**20),
    ],
)
def test_a_memory_size_is_read_as_duckdb_reads_it(size: str, expected: int) -> None:
    assert size_bytes(size) == expected
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{size}'")
    shown = con.execute("select current_setting('memory_limit')").fetchone()[0]
    # shown cut to one decimal of its unit: 4GB as 3.7 GiB, 1.5 GB as 1.3 GiB
    unit = 2**30 if shown.endswith("GiB") else 2**20
    assert 0 <= expected - size_bytes(shown) < 0.1 * unit


def test_a_lowered_memory_limit_is_put_back_even_after_an_error(tmp_path: Path) -> None:
    limit = "select current_setting('memory_limit')"
    with connect(tmp_path / "work.duckdb", "2GB") as con:
        usual = con.execute(limit).fetchone()[0]
        with pytest.raises(duckdb.Error), memory_lowered(con, "256MB", "2GB"):
            assert con.execute(limit).fetchone()[0] == "244.1 MiB"
            con.execute("select * from no_such_table")
        assert con.execute(limit).fetchone()[0] == usual
        with memory_lowered(con, "4GB", "2GB"):  # never raised
            assert con.execute(limit).fetchone()[0] == usual


@pytest.mark.parametrize(
    ("threads", "readers", "each"), [(4, 2, 2), (2, 2, 1), (2, 3, 1), (3, 1, 3)]
)
def test_threads_are_shared_among_readers_and_put_back_even_after_an_error(
    threads: int, readers: int, each: int
) -> None:
    count = "select current_setting('threads')"
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    with pytest.raises(duckdb.Error), threads_shared(con, readers):
        assert con.execute(count).fetchone()[0] == each
        assert con.cursor().execute(count).fetchone()[0] == each  # the database's setting
        con.execute("select * from no_such_table")
    assert con.execute(count).fetchone()[0] == threads
