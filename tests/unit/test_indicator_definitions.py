"""The reviewed indicator definitions agree with the method versions they cite."""

import pytest

from assets.reference.tables import indicator_definitions, read_csv

pytestmark = pytest.mark.unit

# each family of ref.indicators and the meta.methods key of its method version
VERSION_KEYS = {
    "publications": "bibliometric_method_version",
    "patents": "patent_method_version",
    "funding": "funding_method_version",
    "workforce": "workforce_method_version",
    "supply_chain": "supply_chain_method_version",
    "capability": "capability_method_version",
    "security": "security_method_version",
    "synthesis": "synthesis_method_version",
}


def test_every_definition_cites_its_familys_current_method_version() -> None:
    # a method change bumps the family's version in methods.csv; each of its definitions in
    # indicators.yml must say the same, or meta.indicators tells readers the older version
    versions = dict(read_csv("methods.csv").select("key", "value").iter_rows())
    definitions = indicator_definitions()
    assert set(definitions["family"]) == set(VERSION_KEYS)
    stale = [
        (row["indicator"], row["method_version"], versions[VERSION_KEYS[row["family"]]])
        for row in definitions.iter_rows(named=True)
        if row["method_version"] != versions[VERSION_KEYS[row["family"]]]
    ]
    assert stale == []
