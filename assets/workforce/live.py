"""The live OpenAlex authors client: the author record of every author of the works in scope.

Author ids are fetched in batches of at most 100 with one OR filter each
(``/authors?filter=openalex:A1|A2|...``): the OpenAlex API documentation, "Filter entity
lists", section "Addition (OR)", says "You can combine up to 100 values for a given filter
in this way" (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/filter-entity-lists;
older versions of that page said 50). Each batch is one partition of the
``openalex_authors`` landing zone, named for its content (``authors-`` and 16 hex digits
of the SHA-256 of its ids), and is fetched by ``assets.bibliometric.live.OpenAlexFetcher``
with cursor paging: timeouts, backoff, parking on a spent daily budget, every page landed
verbatim, the cursor saved after each page.

A re-run skips the ids a complete batch already holds and batches only the rest, so a
grown author set costs only the batches of its new ids (``--refetch``, i.e. ``restart``,
fetches every id again). A complete batch fetched longer ago than ``max_age``
(``source.yml``: ``profiles.refresh_after_days``) is fetched again, as a whole: a profile
lists the affiliations of each year, and a standing pipeline must see the new ones (the
batch's last complete fetch stays the one read until the new one ends; a refresh that
parks resumes at its cursor). A batch whose pages hold a record outside the batch, or more
matches than ids, is an error (checked on every page before it counts); fewer records
than ids (authors merged into another id, or deleted) is warned and counted.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pyalex

from assets.bibliometric.live import OpenAlexFetcher
from assets.bibliometric.parse import short_id
from pipelines.fetching import FetchOutcome
from pipelines.landing import CompletedFetch, LandingZone, PartitionState
from pipelines.parsing import RecordError

SOURCE = "openalex_authors"
# The most values one OpenAlex filter may OR together (see the module doc).
MAX_OR_VALUES = 100
BATCH_PREFIX = "authors-"
FILTER_PREFIX = "/authors?filter=openalex:"
# The most ids quoted in one message.
QUOTED_IDS = 10


@dataclass(frozen=True)
class Batch:
    """One batch of author ids (short form ``A123``, sorted, distinct) and its partition name."""

    name: str
    ids: tuple[str, ...]

    @property
    def filter_value(self) -> str:
        """The ids as one OR filter value: ``A1|A2|...``."""
        return "|".join(self.ids)

    @property
    def label(self) -> str:
        """How messages name the batch: ``openalex_authors batch authors-...``."""
        return f"{SOURCE} batch {self.name}"


@dataclass(frozen=True)
class AuthorFetchSummary:
    """How a fetch of the authors of the works in scope ended.

    ``status`` is ``done`` (every batch complete) or ``parked`` (the daily budget is spent;
    ``parked`` is the outcome of the batch that parked, whose message says when to run
    again). ``batches`` counts the batches the requested ids fall in, ``fetched`` those
    completed in this run (``refreshed`` of them because their last complete fetch was
    older than the profiles' age limit) and ``skipped`` those already complete; ``records``
    the distinct author records the complete batches hold and ``missing`` their ids that
    returned no record (merged or deleted authors).
    """

    status: str
    ids_requested: int
    batches: int
    fetched: int
    skipped: int
    records: int
    missing: int
    parked: FetchOutcome | None
    message: str
    refreshed: int = 0


def batch_name(ids: Iterable[str]) -> str:
    """The partition name of a batch: ``authors-`` and 16 hex digits of the SHA-256 of its ids."""
    digest = hashlib.sha256("|".join(ids).encode("ascii")).hexdigest()
    return f"{BATCH_PREFIX}{digest[:16]}"


def normalise_ids(ids: Iterable[Any]) -> list[str]:
    """Sorted distinct short author ids (``A123``) from full or short ids; nulls are dropped.

    Raises ValueError naming the value when one is not an OpenAlex author id (an id with
    ``|`` or ``,`` in it would change the filter).
    """
    out = set()
    for value in ids:
        try:
            short = short_id(value, "A")
        except RecordError as err:
            raise ValueError(f"{SOURCE}: {err.detail}") from None
        if short is not None:
            out.add(short)
    return sorted(out)


def author_batches(ids: Iterable[Any], size: int = MAX_OR_VALUES) -> list[Batch]:
    """The ids (full or short; repeats and nulls ignored) in batches of at most ``size``.

    The ids are sorted and cut into consecutive chunks; each batch is named
    for its content (``batch_name``), so the same ids always make the same partition.
    Raises ValueError for a ``size`` outside 1 to 100 (the OpenAlex limit on OR values,
    see the module doc) or an id that is not an author id.
    """
    if not 1 <= size <= MAX_OR_VALUES:
        raise ValueError(f"{SOURCE} batch size must be 1 to {MAX_OR_VALUES}, not {size}")
    distinct = normalise_ids(ids)
    chunks = [tuple(distinct[i : i + size]) for i in range(0, len(distinct), size)]
    return [Batch(batch_name(chunk), chunk) for chunk in chunks]


def authors_query(fetcher: OpenAlexFetcher, batch: Batch) -> str:
    """The batch's list query, built by pyalex and re-based onto the fetcher's base URL.

    ``{base_url}/authors?filter=openalex:A1%7CA2`` (the pipe URL-encoded); paging
    parameters are added by the fetcher.
    """
    return fetcher.rebase(pyalex.Authors().filter(openalex=batch.filter_value).url)


def batch_of_query(partition: str, query: str) -> Batch | None:
    """The batch a landed partition fetched, read back from its saved query, or None.

    None when the query is not an authors-by-id query as ``authors_query`` builds it now,
    or does not match the partition's name (then it is fetched again, never trusted).
    """
    if not query.startswith(FILTER_PREFIX) or "&" in query:
        return None
    ids = tuple(unquote(query.removeprefix(FILTER_PREFIX)).split("|"))
    try:
        if list(ids) != normalise_ids(ids):
            return None
    except ValueError:
        return None
    batch = Batch(batch_name(ids), ids)
    return batch if batch.name == partition else None


def page_check(batch: Batch) -> Callable[[dict[str, Any]], str]:
    """A check of one list page of ``batch``: refuses a ``meta.count`` above its ids.

    More results than ids means the filter was not applied as sent, and paging on would
    fetch authors nobody asked for. Records under other ids (the record an id was merged
    into, or a malformed one) and repeated records are landed and only warned about
    (``_judge``): staging keeps one record per author, the parser quarantines what it
    cannot use, and merged ids are resolved where a merged-ids file says so (list pages
    do not).
    """
    wanted = len(batch.ids)

    def check(page: dict[str, Any]) -> str:
        count = page["meta"].get("count")
        if isinstance(count, int) and count > wanted:
            return (
                f"meta.count {count} is more than the {wanted} ids of the batch: the "
                "filter was not applied as sent"
            )
        return ""

    return check


def _record_id(record: Any) -> str:
    """A result record's short author id, or a description of what stands there instead."""
    value = record.get("id") if isinstance(record, dict) else None
    try:
        return short_id(value, "A") or "(no id)"
    except RecordError:
        return repr(value)


def _quote(ids: list[str]) -> str:
    """At most ``QUOTED_IDS`` ids, comma-separated, with how many more there are."""
    shown = ", ".join(ids[:QUOTED_IDS])
    return shown + (f" and {len(ids) - QUOTED_IDS} more" if len(ids) > QUOTED_IDS else "")


def returned_ids(landing: LandingZone, state: PartitionState) -> list[str]:
    """The author ids on the pages of the partition's last complete fetch, in page order."""
    ids: list[str] = []
    for sha in state.done.pages if state.done else []:
        page = json.loads(gzip.decompress(landing.blob_path(sha).read_bytes()))
        ids.extend(_record_id(record) for record in page["results"])
    return ids


def plan_batches(landing: LandingZone, ids: list[str], restart: bool) -> list[Batch]:
    """The batches that hold ``ids`` (sorted short ids): complete ones first reused, then new.

    Unless ``restart``, a landed batch whose last complete fetch is of the query built
    now covers its ids (the most recently finished first; a batch adding no uncovered id
    is left out); the ids no complete batch covers are cut into new batches.
    """
    if restart:
        return author_batches(ids)
    complete = []
    for partition, state in landing.partitions().items():
        batch = batch_of_query(partition, state.query) if state.done else None
        if batch is not None and state.done is not None:
            complete.append((state.done.finished_at, batch))
    wanted = set(ids)
    covered: set[str] = set()
    reused = []
    for _, batch in sorted(complete, key=lambda item: item[0], reverse=True):
        adds = wanted.intersection(batch.ids) - covered
        if adds:
            reused.append(batch)
            covered |= adds
    return reused + author_batches(i for i in ids if i not in covered)


def _stale(done: CompletedFetch, now: datetime, max_age: timedelta | None) -> bool:
    """Whether the complete fetch ``done`` finished longer than ``max_age`` before ``now``
    (a time with its time zone, as ``finished_at`` is UTC); never without an age limit."""
    if max_age is None:
        return False
    finished = datetime.fromisoformat(done.finished_at.replace("Z", "+00:00"))
    return finished < now - max_age


def fetch_authors(
    fetcher: OpenAlexFetcher,
    ids: Iterable[Any],
    restart: bool = False,
    log: Callable[[str], None] | None = None,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> AuthorFetchSummary:
    """Fetch the author record of every id in ``ids`` into the fetcher's landing zone.

    ``ids`` are author ids, full or short (repeats and nulls ignored). The batches
    (``plan_batches``) are walked new and unfinished ones first (resuming a parked or
    unfinished one at its saved cursor), then those whose last complete fetch, of the same
    query, finished longer than ``max_age`` before ``now`` (default: the current time, in
    UTC), fetched afresh (or, a refresh already under way, resumed), so that a budget spent
    on refreshes never keeps new authors waiting; a batch complete within the age limit is
    skipped. ``restart`` fetches every batch afresh, in ``plan_batches``' order. Stops at
    the first batch that parks and returns a ``parked`` summary; the next run resumes
    there. Raises OpenAlexError naming the source, batch, page and redacted URL when a batch
    cannot be fetched or its records are not the batch's. ``log`` (default: the fetcher's)
    gets lines scrubbed of secrets.
    """

    def say(text: str) -> None:
        (log or fetcher.log)(fetcher.scrub(text))

    landing = fetcher.landing
    wanted = normalise_ids(ids)
    now = now or datetime.now(UTC)
    planned = []
    for batch in plan_batches(landing, wanted, restart):
        query = authors_query(fetcher, batch)
        saved = landing.load_state(batch.name)
        done = saved.done if saved and saved.query == query.removeprefix(fetcher.base_url) else None
        stale = not restart and done is not None and _stale(done, now, max_age)
        # new and unfinished first, then the refreshes, then those to skip
        order = 0 if restart or done is None else 1 if stale else 2
        planned.append((order, batch, query, saved, done, stale))
    planned.sort(key=lambda plan: plan[0])
    fetched = skipped = records = missing = refreshed = 0
    for number, (order, batch, query, saved, done, stale) in enumerate(planned, start=1):
        if order == 2:
            skipped += 1
            found = done.records
            absent = max(0, len(batch.ids) - found)
        else:
            why = ", its profiles older than the age limit" if stale else ""
            say(f"{batch.label}: batch {number} of {len(planned)}, {len(batch.ids)} ids{why}")
            # a stale batch starts afresh, unless its refresh already began and parked
            afresh = restart or (stale and saved is not None and saved.status == "done")
            result = fetcher.fetch_query(
                batch.name, query, batch.label, restart=afresh, check=page_check(batch)
            )
            if result.status != "done":
                message = (
                    f"{SOURCE}: parked at batch {number} of {len(planned)} ({batch.name}) "
                    f"after fetching {fetched} and skipping {skipped}: {result.message}"
                )
                say(message)
                return AuthorFetchSummary(
                    status="parked",
                    ids_requested=len(wanted),
                    batches=len(planned),
                    fetched=fetched,
                    skipped=skipped,
                    records=records,
                    missing=missing,
                    parked=result,
                    message=message,
                    refreshed=refreshed,
                )
            fetched += 1
            refreshed += int(stale)
            found, absent = _judge(landing, landing.load_state(batch.name), batch, say)
        records += found
        missing += absent
    again = f", {refreshed} of them again as their profiles were old" if refreshed else ""
    message = (
        f"{SOURCE}: done, {len(wanted)} ids in {len(planned)} batches ({fetched} fetched{again}, "
        f"{skipped} already complete); {records} author records"
    )
    if missing:
        message += f"; {missing} ids returned no record (merged or deleted authors)"
        say(f"WARNING: {message}")
    else:
        say(message)
    return AuthorFetchSummary(
        status="done",
        ids_requested=len(wanted),
        batches=len(planned),
        fetched=fetched,
        skipped=skipped,
        records=records,
        missing=missing,
        parked=None,
        message=message,
        refreshed=refreshed,
    )


def _judge(
    landing: LandingZone,
    state: PartitionState | None,
    batch: Batch,
    say: Callable[[str], None],
) -> tuple[int, int]:
    """Distinct records and missing ids of a batch just fetched, read from its landed pages.

    Warns about records under ids outside the batch (merged-into or malformed records,
    landed for the parser to resolve), records repeated across pages and ids that
    returned no record.
    """
    returned = returned_ids(landing, state) if state is not None else []
    distinct = set(returned)
    if len(returned) > len(distinct):
        say(
            f"WARNING: {batch.label}: {len(returned) - len(distinct)} records repeated "
            "(counted once)"
        )
    foreign = sorted(distinct.difference(batch.ids), key=str)
    if foreign:
        say(
            f"WARNING: {batch.label}: {len(foreign)} records under ids outside the batch "
            f"(a merged id's surviving record, or a malformed record): {_quote(foreign)}"
        )
        distinct -= set(foreign)
    absent = [i for i in batch.ids if i not in distinct]
    if absent:
        say(
            f"WARNING: {batch.label}: {len(distinct)} records for {len(batch.ids)} ids; "
            f"{len(absent)} ids returned no record (merged or deleted authors): "
            f"{_quote(absent)}"
        )
    return len(distinct), len(absent)
