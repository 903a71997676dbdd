"""Raw patent bodies in the real services' formats, built small for tests.

PatentsView pages are dicts (JSON); EPO OPS bodies are XML text with the real
namespaces. Defaults describe one quantum document; keyword arguments change a part.
"""

from __future__ import annotations

OPS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">'
)


def pv_patent(**overrides: object) -> dict:
    """A PatentsView patent record in the API's shape."""
    record = {
        "patent_id": "11000001",
        "patent_title": "Transmon qubit coupler",
        "patent_abstract": "A superconducting qubit device.",
        "patent_date": "2021-05-04",
        "withdrawn": False,
        "patent_earliest_application_date": "2019-03-01",
        "application": [{"application_id": "16/123456", "filing_date": "2019-03-01"}],
        "foreign_priority": [{"filing_date": "2018-09-10", "foreign_country_filed": "DE"}],
        "assignees": [
            {
                "assignee_type": "3",
                "assignee_organization": "QUBIT GMBH",
                "assignee_country": "DE",
            }
        ],
        "inventors": [
            {"inventor_name_first": "Ada", "inventor_name_last": "L", "inventor_country": "DE"}
        ],
        "cpc_current": [{"cpc_group_id": "G06N10/40"}, {"cpc_group_id": "H10N60/12"}],
    }
    record.update(overrides)
    return record


def pv_page(*records: dict, key: str = "patents") -> dict:
    """A PatentsView result page."""
    return {"error": False, "count": len(records), "total_hits": len(records), key: list(records)}


def epodoc_applicants(*names: str) -> str:
    """Applicant elements in epodoc format (names as OPS writes them, e.g. ``X OY [FI]``)."""
    return "".join(
        f'<applicant sequence="{i}" data-format="epodoc"><applicant-name><name>{name}</name>'
        "</applicant-name></applicant>"
        for i, name in enumerate(names, start=1)
    )


def exchange_document(
    applicants: str = epodoc_applicants("QUANTUM OY [FI]"),
    cpc: tuple[str, ...] = ("G06N10/40",),
    number: str = "3000001",
    family: str = "555",
    office: str = "EP",
    kind: str = "A1",
    priority: str | None = "20200115",
    title: str = "QUANTUM CHIP",
    abstract: str = "A trapped ion chip.",
) -> str:
    """One OPS exchange-document with bibliographic data (CPC given as ``G06N10/40``)."""
    classes = ""
    for code in cpc:
        head, subgroup = code.split("/")
        classes += (
            '<patent-classification><classification-scheme office="EP" scheme="CPCI"/>'
            f"<section>{head[0]}</section><class>{head[1:3]}</class>"
            f"<subclass>{head[3]}</subclass><main-group>{head[4:]}</main-group>"
            f"<subgroup>{subgroup}</subgroup></patent-classification>"
        )
    claims = (
        '<priority-claims><priority-claim sequence="1"><document-id document-id-type="epodoc">'
        f"<doc-number>XX{priority}</doc-number><date>{priority}</date></document-id>"
        "</priority-claim></priority-claims>"
        if priority
        else ""
    )
    return (
        f'<exchange-document system="ops.epo.org" family-id="{family}" country="{office}" '
        f'doc-number="{number}" kind="{kind}"><bibliographic-data><publication-reference>'
        f'<document-id document-id-type="docdb"><country>{office}</country>'
        f"<doc-number>{number}</doc-number><kind>{kind}</kind><date>20210701</date>"
        "</document-id></publication-reference>"
        f"<patent-classifications>{classes}</patent-classifications>"
        f"{claims}<parties><applicants>{applicants}</applicants></parties>"
        '<invention-title lang="de">QUANTENCHIP</invention-title>'
        f'<invention-title lang="en">{title}</invention-title></bibliographic-data>'
        f'<abstract lang="en"><p>{abstract}</p></abstract></exchange-document>'
    )


def ops_search(*documents: str, total: int | None = None, begin: int = 1) -> str:
    """An OPS biblio search page holding ``documents`` (positions from ``begin``)."""
    total = len(documents) if total is None else total
    end = begin + max(len(documents), 1) - 1
    return (
        OPS_HEAD + f'<ops:biblio-search total-result-count="{total}"><ops:range begin="{begin}" '
        f'end="{end}"/><ops:search-result><exchange-documents>'
        + "".join(documents)
        + "</exchange-documents></ops:search-result></ops:biblio-search></ops:world-patent-data>"
    )
