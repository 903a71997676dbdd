"""The reviewed patent reference tables: versioned, consistent, and applied as documented."""

import csv
import hashlib
import re

import duckdb
import pytest

from assets.reference.tables import REFERENCE_DIR, read_csv
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.unit


def methods() -> dict[str, str]:
    with (REFERENCE_DIR / "methods.csv").open(encoding="utf-8") as handle:
        return {r["key"]: r["value"] for r in csv.DictReader(handle)}


# the columns of patent_cpc_map.csv that decide what is in scope and what is queried: a
# title, note or source may change without a new classifier version
CLASSIFYING = ("cpc_code", "use", "approach", "domain", "in_live_query")


def test_cpc_map_changes_bump_the_patent_classifier_version() -> None:
    with (REFERENCE_DIR / "patent_cpc_map.csv").open(encoding="utf-8", newline="") as handle:
        lines = [",".join(row[c] for c in CLASSIFYING) for row in csv.DictReader(handle)]
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    assert methods()["patent_cpc_map_sha256"] == digest, (
        f"the codes of patent_cpc_map.csv changed: bump patent_classifier_version and record "
        f"the new checksum {digest}"
    )


def test_cpc_map_rows_are_well_formed() -> None:
    table = read_csv("patent_cpc_map.csv")
    approaches = set(read_csv("approaches.csv")["approach"])
    for row in table.iter_rows(named=True):
        assert row["use"] in ("in_scope", "with_term", "context"), row
        assert row["approach"] is None or row["approach"] in approaches, row
        assert row["title_checked"] in ("yes", "no"), row
        assert row["source"], row
        assert re.fullmatch(r"[A-HY]\d\d[A-Z]\d{1,4}(/\d{2,6})?", row["cpc_code"]), row
        # context rows are documented but never queried
        assert row["use"] != "context" or row["in_live_query"] == "no", row
        # an unchecked title is blank or marked as such, never presented as official
        assert row["title_checked"] == "yes" or not row["official_title"], row


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Superconducting qubit readout", True),
        ("Nitrogen-vacancy centre magnetometer", True),
        ("Cold atom gravimeter", True),
        ("SQUID array amplifier", True),
        ("Silicon quantum dot spin qubit", True),
        ("Superconducting wire joint", False),
        ("Fibre optic gyroscope", False),
        ("Quantum dot light-emitting diode with a thick shell", False),
        ("Quantum dot display panel", False),
        ("Photodiode with high quantum efficiency", False),
        # an excluded phrase is no quantum term, and takes no real one away
        ("Nanowire single-photon detector of 90% quantum efficiency for qubits", True),
        ("A quantum dot emitting indistinguishable photons for photonic qubits", True),
        ("Nitrogen-vacancy diamond sensor read by a photodiode of high quantum efficiency", True),
        ("Quantum-dot display of high quantum efficiency", False),
        # a quantum dot or well is no term of its own beside an excluded phrase
        ("A quantum dot display panel comprising a quantum dot layer", False),
        ("Quantum dot film for backlight units, wherein the quantum dots comprise CdSe", False),
        ("LED with improved external quantum efficiency and quantum well structure", False),
        # and, with no excluded phrase, still counts as it did
        ("Quantum dot single-photon source", True),
    ],
)
def test_the_quantum_term_and_its_exclusions(
    con: duckdb.DuckDBPyConnection, text: str, counts: bool
) -> None:
    """What a with_term code needs in title or abstract: a quantum term, and where an
    excluded phrase is named, one left once those phrases and any quantum dot or well are
    taken out, as core.patent_family_scope decides (its SQL, run on one family of a
    with_term code)."""
    con.register("_methods", read_csv("methods.csv"))
    con.execute("create table ref.methods as select * from _methods")
    con.execute(
        "create table ref.patent_cpc_map as select 'H10N60/12' as cpc_code, 'with_term' as use, "
        "'computing' as domain, '' as approach"
    )
    con.execute("create table staging.patent_family_cpc as select 'F1' as family_id, "
                "'H10N60/12' as cpc_code")  # fmt: skip
    con.execute(
        "create table staging.patent_families as select 'F1' as family_id, ? as title, "
        "null::varchar as abstract",
        [text],
    )
    scope = (SQL_DIR / "core" / "patent_family_scope.sql").read_text(encoding="utf-8")
    assert bool(con.execute(scope).fetchall()) is counts


def test_assignee_type_codes_cover_part_interests() -> None:
    codes = dict(
        read_csv("patentsview_assignee_types.csv").select("type_code", "applicant_type").iter_rows()
    )
    for code in range(2, 10):
        assert codes[str(code)] == codes[f"1{code}"]


def test_every_legal_form_of_the_sample_is_typed_company() -> None:
    from assets.patents.sample_generator import LEGAL_FORMS

    rules = read_csv("patent_applicant_type_rules.csv").filter(
        read_csv("patent_applicant_type_rules.csv")["applicant_type"] == "company"
    )
    pattern = "|".join(f"(?:{p})" for p in rules["pattern"])
    for forms in LEGAL_FORMS.values():
        for epodoc, original in forms:
            for name in (f"NOVATRON {epodoc}", f"Novatron {original}"):
                folded = re.sub(r"[.,/]", "", name)  # as staging.patent_parties folds names
                assert re.search(pattern, folded, re.IGNORECASE), name


def test_a_family_only_on_post_quantum_cryptography_is_not_in_all(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """'all' is quantum technology for families as for works: a family whose only approach
    is adjacent (post-quantum cryptography, were a CPC code to map to it) is reported under
    pqc alone; beside a quantum approach it stays in 'all'; a family no map row or keyword
    rule places stays in 'all', unclassified. F1: pqc alone; F2: pqc and qkd; F3: a
    computing code and no approach; F4: a computing code and a transmon (keyword rules)."""
    from assets.classification.patent_assets import build_patent_family_approaches

    con.execute(
        "create table ref.approaches as select * from (values ('superconducting', 'computing'), "
        "('qkd', 'communication'), ('pqc', 'adjacent')) as a(approach, family)"
    )
    con.execute(
        "create table ref.classification_rules as "
        "select 'superconducting' as approach, 'include' as kind, 'transmon' as pattern"
    )
    con.execute(
        "create table core.patent_family_scope as select * from (values "
        "('F1', 'communication', 'pqc'), ('F2', 'communication', 'pqc'), "
        "('F2', 'communication', 'qkd'), ('F3', 'computing', null), ('F4', 'computing', null)) "
        "as s(family_id, domain, approach)"
    )
    con.execute(
        "create table staging.patent_families as select * from (values "
        "('F1', 'Signatures', null::varchar), ('F2', 'Key exchange', null), "
        "('F3', 'A qubit', null), ('F4', 'A transmon', null)) as f(family_id, title, abstract)"
    )
    build_patent_family_approaches(con)
    rows = con.execute("select * from core.patent_family_approaches order by all").fetchall()
    assert rows == [
        ("F1", "pqc", "CPC map"),
        ("F2", "all", "in scope"),
        ("F2", "pqc", "CPC map"),
        ("F2", "qkd", "CPC map"),
        ("F3", "all", "in scope"),
        ("F3", "unclassified", "no approach found"),
        ("F4", "all", "in scope"),
        ("F4", "superconducting", "keyword rules"),
    ]
