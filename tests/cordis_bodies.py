"""Raw CORDIS bodies in the real formats, built small for tests (and mirrored by samples).

Project XML follows the recorded record in ../shared/fixtures/cordis (namespace
``http://cordis.europa.eu``, organisations under ``relations/associations`` with their
money as attributes). Bulk archives hold ``project.csv`` and ``organization.csv`` with
the publisher's columns, semicolon-separated and every field quoted. Defaults describe
one quantum project of two organisations and a third party; keyword arguments change a
part.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

PROJECT_COLUMNS = (
    "id",
    "acronym",
    "status",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "legalBasis",
    "topics",
    "ecSignatureDate",
    "frameworkProgramme",
    "masterCall",
    "subCall",
    "fundingScheme",
    "nature",
    "objective",
    "contentUpdateDate",
    "rcn",
    "grantDoi",
)
ORGANISATION_COLUMNS = (
    "projectID",
    "projectAcronym",
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "SME",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "nutsCode",
    "geolocation",
    "organizationURL",
    "contactForm",
    "contentUpdateDate",
    "rcn",
    "order",
    "role",
    "ecContribution",
    "netEcContribution",
    "totalCost",
    "endOfParticipation",
    "active",
)


def organization_xml(
    kind: str = "coordinator",
    order: str | None = "1",
    ec: str | None = "600000",
    net: str | None = "600000",
    country: str | None = "DE",
    name: str = "QUANTUM UNIVERSITAET",
    org_id: str = "999000001",
) -> str:
    """One ``<organization>`` of a project record (attributes as CORDIS writes them)."""
    attributes = {
        "type": kind,
        "source": "corda",
        "order": order,
        "ecContribution": ec,
        "terminated": "false",
        "sme": "false",
        "netEcContribution": net,
    }
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items() if v is not None)
    address = f"<address><country>{country}</country></address>" if country else "<address/>"
    return (
        f"<organization {attrs}><rcn>1</rcn><id>{org_id}</id>"
        f"<legalName>{escape(name)}</legalName>{address}</organization>"
    )


DEFAULT_ORGANISATIONS = (
    organization_xml(),
    organization_xml("participant", "2", "400000", "350000", "EL", "ATHENS QUANTUM", "999000002"),
    organization_xml("thirdParty", "2", "0", "50000", "UK", "LONDON PHOTONICS", "999000003"),
)


def project_xml(
    project_id: str | None = "101000001",
    title: str = "Trapped-ion quantum computer",
    objective: str = "We build a trapped-ion quantum processor.",
    start: str | None = "2022-01-01",
    end: str | None = "2025-12-31",
    ec_max: str | None = "1000000",
    status: str = "SIGNED",
    framework: str | None = "HORIZON",
    organisations: tuple[str, ...] = DEFAULT_ORGANISATIONS,
) -> bytes:
    """A CORDIS project record (``None`` leaves an element out)."""

    def element(name: str, value: str | None) -> str:
        return "" if value is None else f"<{name}>{escape(value)}</{name}>"

    programme = (
        '<programme type="relatedLegalBasis" source="corda"><id>HORIZON.1.2</id>'
        f"<frameworkProgramme>{framework}</frameworkProgramme></programme>"
        if framework
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!--ICA Version:14.3.2-->\n'
        '<project xmlns="http://cordis.europa.eu"><language>en</language>'
        f"{element('id', project_id)}<acronym>QION</acronym>{element('objective', objective)}"
        f"{element('title', title)}<totalCost>{ec_max}</totalCost>"
        f"{element('ecMaxContribution', ec_max)}{element('startDate', start)}"
        f"{element('endDate', end)}{element('status', status)}"
        f"<relations><associations>{''.join(organisations)}{programme}</associations>"
        "</relations></project>"
    ).encode()


def programme_xml() -> bytes:
    """A CORDIS programme record (a description of a programme, not a grant)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<programme xmlns="http://cordis.europa.eu">'
        b"<rcn>705727</rcn><id>HORIZON.1.1</id><frameworkProgramme>HORIZON</frameworkProgramme>"
        b"<title>European Research Council (ERC)</title></programme>"
    )


def project_record(**values: str) -> dict[str, str]:
    """A ``project.csv`` record: a quantum HORIZON project, changed by ``values``."""
    record = dict.fromkeys(PROJECT_COLUMNS, "")
    record.update(
        id="101000001",
        acronym="QION",
        status="SIGNED",
        title="Trapped-ion quantum computer",
        startDate="2022-01-01",
        endDate="2025-12-31",
        totalCost="1000000",
        ecMaxContribution="1000000",
        frameworkProgramme="HORIZON",
        objective="We build a trapped-ion quantum processor.",
    )
    record.update(values)
    return record


def organisation_record(**values: str) -> dict[str, str]:
    """An ``organization.csv`` record: the coordinator of project 101000001, changed."""
    record = dict.fromkeys(ORGANISATION_COLUMNS, "")
    record.update(
        projectID="101000001",
        projectAcronym="QION",
        organisationID="999000001",
        name="QUANTUM UNIVERSITAET",
        country="DE",
        order="1",
        role="coordinator",
        ecContribution="1000000",
        netEcContribution="1000000",
        endOfParticipation="false",
    )
    record.update(values)
    return record


def csv_text(columns: tuple[str, ...] | list[str], records: list[dict[str, str]]) -> str:
    """Records as CORDIS writes them: every field quoted, ``;`` between, ``"`` doubled."""

    def line(values: list[str]) -> str:
        return ";".join('"' + v.replace('"', '""') + '"' for v in values)

    rows = [line(list(columns))] + [line([r.get(c, "") for c in columns]) for r in records]
    return "\n".join(rows) + "\n"


def bulk_zip(
    projects: list[dict[str, str]] | None = None,
    organisations: list[dict[str, str]] | None = None,
    folder: str = "csv/",
    project_columns: tuple[str, ...] | list[str] = PROJECT_COLUMNS,
    organisation_columns: tuple[str, ...] | list[str] = ORGANISATION_COLUMNS,
    extra: dict[str, str] | None = None,
) -> bytes:
    """A bulk archive of ``project.csv`` and ``organization.csv`` under ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{folder}project.csv",
            csv_text(project_columns, [project_record()] if projects is None else projects),
        )
        archive.writestr(
            f"{folder}organization.csv",
            csv_text(
                organisation_columns,
                [organisation_record()] if organisations is None else organisations,
            ),
        )
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()
