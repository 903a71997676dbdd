"""The one Dagster resource every qcm asset uses: settings plus the working database."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import db
from pipelines.settings import DEFAULT_SYNTHESIS, Settings, parse_source_dirs


class QcmResource(dg.ConfigurableResource):
    """Run settings (see ``pipelines.settings``) and access to the working database."""

    mode: str = "sample"
    source_dirs: str = ""
    out_dir: str
    state_dir: str
    memory_limit: str = "4GB"
    refetch: bool = False
    synthesis_config: str = str(DEFAULT_SYNTHESIS)

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
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the working database, closed on exit."""
        settings = self.settings
        warn = dg.get_dagster_logger().warning
        with db.connect(settings.working_db, settings.memory_limit, warn=warn) as con:
            yield con
