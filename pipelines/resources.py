"""The one Dagster resource every qcm asset uses: settings plus the working database."""

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines import db, file_hashes
from pipelines.settings import DEFAULT_SYNTHESIS, Settings, parse_as_of, parse_source_dirs

# glibc's allocator, where this process has one (Linux with glibc; not musl, macOS, Windows):
# the symbols already loaded into the process, no library searched for
_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None
MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)


def return_free_heap() -> bool:
    """Give the pages the C heap holds free back to the system (glibc's ``malloc_trim``).

    Python's larger objects, NumPy's smaller arrays and Great Expectations' frames live on
    the C heap; glibc keeps their freed pages resident unless asked. Returns whether any
    page was returned (False where the C library has no ``malloc_trim``). It takes
    microseconds when there is nothing to return.
    """
    return bool(MALLOC_TRIM(0)) if MALLOC_TRIM is not None else False


class QcmResource(dg.ConfigurableResource):
    """Run settings (see ``pipelines.settings``) and access to the working database."""

    mode: str = "sample"
    source_dirs: str = ""
    out_dir: str
    state_dir: str
    memory_limit: str = "4GB"
    refetch: bool = False
    synthesis_config: str = str(DEFAULT_SYNTHESIS)
    small_numbers: str = "flag"
    as_of: str = ""  # a day such as 2026-12-05, or empty for the run's own
    _connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls) -> "QcmResource":
        """Build the resource from the ``QCM_*`` environment variables."""
        settings = Settings.from_env()
        return cls(
            mode=settings.mode,
            source_dirs=";".join(f"{k}={v}" for k, v in settings.source_dirs.items()),
            out_dir=str(settings.out_dir),
            state_dir=str(settings.state_dir),
            memory_limit=settings.memory_limit,
            refetch=settings.refetch,
            synthesis_config=str(settings.synthesis_config),
            small_numbers=settings.small_numbers,
            as_of=settings.as_of.isoformat() if settings.as_of else "",
        )

    @property
    def settings(self) -> Settings:
        """The validated settings this resource was configured with."""
        return Settings(
            mode=self.mode,
            source_dirs=parse_source_dirs(self.source_dirs),
            out_dir=Path(self.out_dir),
            state_dir=Path(self.state_dir),
            memory_limit=self.memory_limit,
            refetch=self.refetch,
            synthesis_config=Path(self.synthesis_config),
            small_numbers=self.small_numbers,
            as_of=parse_as_of(self.as_of),
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Keep the raw files' hashes in the working state's folder
        (``pipelines.file_hashes``), and put the objects made so far (modules, the job)
        out of the garbage collector's reach (``gc.freeze``). Great Expectations leaves
        each contract check's frames in reference cycles that only a full collection
        frees; with the hundreds of thousands of objects of the imports frozen, full
        collections run often and cheaply, and those frames no longer pile up (at a million
        works, the checks alone went from a peak of 2.6 GB to 2.1 GB, and no slower)."""
        file_hashes.keep_in(Path(self.state_dir))
        gc.freeze()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's read-write connection to the working database.

        Opened on first use and kept until ``release`` or the end of the step's execution
        (opening and closing a DuckDB file costs tens of milliseconds each, and a build
        has hundreds of steps). Its settings are the same for every step. After the block
        the C heap's free pages are returned to the system (``return_free_heap``).
        """
        if self._connection is None:
            settings = self.settings
            warn = dg.get_dagster_logger().warning
            self._connection = db.open_database(
                settings.working_db, settings.memory_limit, warn=warn
            )
        yield self._connection
        # the step's work with the database is done: what it freed leaves the process now,
        # not when a later step's peak has already counted it
        return_free_heap()

    def release(self) -> None:
        """Close the working database's connection, so that another connection of this
        process may open the file with other settings (read-only, to publish it)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Close the connection when the execution that used it ends, and keep no more
        file hashes in its state's folder."""
        self.release()
        file_hashes.keep_in(None)
