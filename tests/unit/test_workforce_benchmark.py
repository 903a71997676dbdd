"""The workforce benchmark builds every workforce table from its generated corpus: a table
the SQL comes to read (a new core table, a reference table) fails here, not in a run."""

import pytest

from pipelines.settings import SQL_DIR
from pipelines.sql_assets import in_build_order
from pipelines.workforce_benchmark import WORKFORCE_TABLES, run_workforce_benchmark

pytestmark = pytest.mark.unit


def test_the_workforce_benchmark_builds_every_table_of_a_small_corpus() -> None:
    figures = run_workforce_benchmark(4000)
    assert figures["researchers"] > 0 and figures["moves"] > 0
    assert figures["workforce_s"] > 0


def test_tables_are_built_after_the_tables_they_read() -> None:
    order = in_build_order(WORKFORCE_TABLES, SQL_DIR)
    assert sorted(order) == sorted(WORKFORCE_TABLES)
    assert order.index("core.active_researchers") < order.index("indicators.workforce_flows")
    assert order.index("indicators.workforce_flow_matrix") < order.index(
        "indicators.workforce_flows"
    )
    assert order.index("core.researcher_years") < order.index("core.researcher_moves")
