"""OpenAlex's bulk snapshot: its works parts, its manifest, and the quantum slice of it.

OpenAlex publishes the whole database as gzipped JSON Lines, works under
``data/works/updated_date=YYYY-MM-DD/part_NNN.gz`` with a ``data/works/manifest`` listing
every part's URL, size and record count. A user who has downloaded it points qcm at
the snapshot (or its ``data/works`` folder) with ``--source-dir openalex=PATH``; the
parts are read one at a time and only the quantum slice is kept, the same works the live
query asks the API for (``source.yml``: publication year from ``first_year``, a topic of
``openalex_quantum_topics.csv`` among the work's topics, and a keyword of the search in
its title or abstract). Nothing but one part's rows is ever held in memory.

The manifest is checked before anything is read: a listed part that is absent, or whose
size differs from the listing (an interrupted download), is named in the quarantine, and
the source-files check stops the build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assets.reference.tables import read_csv

# the source's description, with the live query the slice repeats (read once)
SOURCE_CONFIG = yaml.safe_load((Path(__file__).parent / "source.yml").read_text(encoding="utf-8"))
PART = re.compile(r"part_\d+\.gz")
MANIFEST = "manifest"


def is_snapshot_part(path: Path) -> bool:
    """True for ``.../works/updated_date=*/part_NNN.gz``: a works part of the snapshot."""
    return (
        PART.fullmatch(path.name) is not None
        and path.parent.name.startswith("updated_date=")
        and path.parent.parent.name == "works"
    )


@dataclass(frozen=True)
class Slice:
    """The works a snapshot part contributes: the live query's selection, applied locally.

    A work is kept when its publication year is ``first_year`` or later, one of its
    topics is in ``topic_ids``, and a keyword of ``keywords`` stands as a word in its
    title or abstract (case-insensitive).
    """

    first_year: int
    topic_ids: tuple[str, ...]
    keywords: tuple[str, ...]

    @property
    def pattern(self) -> str:
        """The keyword rule as a regular expression on lower-cased text (RE2 and Python)."""
        words = "|".join(re.escape(word.lower()) for word in self.keywords)
        return f"(^|[^a-z0-9])({words})([^a-z0-9]|$)"

    def keeps(self, record: dict[str, Any]) -> bool:
        """Whether a work record (a parsed JSON object) is in the slice."""
        year = record.get("publication_year")
        try:  # a year that cannot be read leaves the record to the parser's judgement
            if year not in (None, "") and float(year) < self.first_year:
                return False
        except (TypeError, ValueError):
            pass
        topics = record.get("topics") if isinstance(record.get("topics"), list) else []
        ids = {
            str(t.get("id")).rsplit("/", 1)[-1].upper()
            for t in topics
            if isinstance(t, dict) and t.get("id")
        }
        if not ids & set(self.topic_ids):
            return False
        inverted = record.get("abstract_inverted_index")
        words = " ".join(inverted) if isinstance(inverted, dict) else ""
        text = f"{record.get('title') or record.get('display_name') or ''} {words}".lower()
        return re.search(self.pattern, text) is not None

    def sql(self) -> str:
        """The same rule as a condition on the typed records of ``duckdb_parse``."""
        ids = ", ".join(f"'{topic}'" for topic in self.topic_ids)
        return (
            f"(qcm_int(publication_year) is null or qcm_int(publication_year) >= "
            f"{self.first_year}) and list_has_any(list_transform(coalesce(topics, []), "
            f"t -> upper(regexp_extract(t.id, '[^/]*$'))), [{ids}]) and regexp_matches("
            f"lower(coalesce(nullif(title, ''), display_name, '') || ' ' || array_to_string("
            f"coalesce(map_keys(abstract_inverted_index), []), ' ')), '{self.pattern}')"
        )


def search_keywords(search: str) -> tuple[str, ...]:
    """The terms of an OpenAlex ``A OR B OR "c d"`` search, unquoted."""
    return tuple(term.strip().strip('"') for term in re.split(r"\s+OR\s+", search) if term.strip())


def quantum_topic_ids() -> list[str]:
    """The OpenAlex topic ids of the live query's pre-filter (reviewed reference table)."""
    return read_csv("openalex_quantum_topics.csv")["topic_id"].to_list()


def quantum_slice() -> Slice:
    """The live query of ``source.yml`` as a ``Slice``: its first year, the reviewed
    quantum topics and the keywords of its search."""
    query = SOURCE_CONFIG["query"]
    topics = tuple(quantum_topic_ids())
    return Slice(int(query["first_year"]), topics, search_keywords(query["search"]))


@dataclass(frozen=True)
class ManifestProblem:
    """A part the manifest lists that is absent or not the listed size."""

    source_file: str
    reason: str
    detail: str


def manifest_problems(works_folder: Path, root: Path) -> list[ManifestProblem]:
    """Compare ``works_folder/manifest`` with the parts on disk; [] when there is none.

    Parts are named relative to ``root`` (the source folder), as the raw tables name
    files. Raises ValueError when the manifest exists but is not OpenAlex's manifest format.
    """
    path = works_folder / MANIFEST
    if not path.is_file():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
        listed = [(e["url"], int(e["meta"]["content_length"])) for e in entries]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not an OpenAlex snapshot manifest ({err})") from err
    problems = []
    for url, size in listed:
        match = re.search(r"(updated_date=[^/]+/part_\d+\.gz)$", url)
        if match is None:
            raise ValueError(f"{path}: manifest entry {url!r} is not a works part")
        part = works_folder / match.group(1)
        name = str(part.relative_to(root))
        if not part.is_file():
            detail = f"listed in the manifest ({size} bytes) but not on disk"
            problems.append(ManifestProblem(name, "missing_part", detail))
        elif part.stat().st_size != size:
            detail = f"{part.stat().st_size} bytes on disk, {size} in the manifest"
            problems.append(ManifestProblem(name, "incomplete_part", detail))
    return problems
