"""A real live fetch killed with SIGKILL at random moments, then re-run until it ends:
every saved state and landed blob stays readable, and the completed fetch holds every
record exactly once (nothing lost, nothing doubled). The same fetch on a disk too small
for one of its pages fails naming the file, and a re-run with room completes it.

The child process runs the real NSF client (offset paging over two search terms) against
a paged server in this process that answers any offset, so a resumed fetch gets the page
it asks for. Counts are printed for the reliability figures (``pytest -s``)."""

from __future__ import annotations

import gzip
import json
import random
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipelines.landing import LandingZone
from tests.nsf_bodies import nsf_award, nsf_page
from tests.processes import python_env

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
TOTAL = 60  # awards per search term
PAGE = 5  # awards per page
TERMS = ("quantum", "qubit")
YEAR = 2020


BIG_PAGE = ("qubit", 16)  # the page whose abstracts fill more than the small disk
BIG_ABSTRACT = "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=80_000))


class PagedAwards(BaseHTTPRequestHandler):
    """Answers /awards.json?keyword=T&offset=O&rpp=R with awards T-O .. T-(O+R-1) of
    TOTAL, slowly enough (50 ms) that a kill lands in the middle of a fetch. The awards
    of BIG_PAGE carry long abstracts (about 400 kB, 260 kB gzipped)."""

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        term, offset, rpp = query["keyword"][0], int(query["offset"][0]), int(query["rpp"][0])
        ids = [f"{term}-{n}" for n in range(offset, min(offset + rpp, TOTAL + 1))]
        extra = {"abstractText": BIG_ABSTRACT + term} if (term, offset) == BIG_PAGE else {}
        awards = [nsf_award(id=i, startDate=f"03/01/{YEAR}", **extra) for i in ids]
        body = json.dumps(nsf_page(*awards, total=TOTAL, offset=offset, rpp=rpp)).encode()
        time.sleep(0.05)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads the landing zone, not the server's log."""


class PagedServer(ThreadingHTTPServer):
    """The paged server; a client killed in the middle of a response is expected here."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset
            super().handle_error(request, client_address)


FETCH = """
import resource, signal, sys
from pathlib import Path
from assets.funding.nsf_live import NsfFetcher
from pipelines.landing import LandingZone
root, url, disk = sys.argv[1:4]
if int(disk):  # a disk with room for no file larger than this many bytes
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG) instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(disk), int(disk)))
zone = LandingZone(Path(root), "nsf")
fetcher = NsfFetcher(zone, terms=("quantum", "qubit"), base_url=url, page_size=5,
    min_interval=0.0, timeout=(2, 5), max_retries=2, log=lambda m: None)
outcome = fetcher.fetch_partition(2020)
sys.exit(0 if outcome.status == "done" else 3)
"""


EXPECTED = {f"{term}-{n}" for term in TERMS for n in range(1, TOTAL + 1)}


def landed_ids(zone: LandingZone) -> list[str]:
    """The award ids of the partition's completed fetch, in page order."""
    ids = []
    for path in zone.current_files():
        page = json.loads(gzip.decompress(path.read_bytes()))
        ids += [award["id"] for award in page["response"]["award"]]
    return ids


def landed(zone: LandingZone) -> int:
    """Manifest lines so far: responses landed by every run."""
    if not zone.manifest_path.exists():
        return 0
    return zone.manifest_path.read_bytes().count(b"\n")


def readable(zone: LandingZone) -> None:
    """Check what a crash may have left: the state parses, every page it lists is a whole
    blob, every complete manifest line parses."""
    state = zone.load_state(str(YEAR))
    if state is None:
        return
    for sha in state.pages:
        json.loads(gzip.decompress(zone.blob_path(sha).read_bytes()))
    lines = zone.manifest_path.read_text(encoding="utf-8").split("\n")
    for line in lines[:-1]:  # the last piece is "" or a line a kill tore
        if line:
            json.loads(line)


def test_a_fetch_killed_at_random_moments_resumes_and_loses_nothing(tmp_path: Path) -> None:
    server = PagedServer(("127.0.0.1", 0), PagedAwards)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    zone = LandingZone(tmp_path / "raw", "nsf")
    rng = random.Random(20261130)
    kills, runs = 0, 0
    try:
        while True:
            runs += 1
            assert runs < 60, "the fetch never completed"
            process = subprocess.Popen(
                [sys.executable, "-c", FETCH, str(tmp_path / "raw"), url, "0"],
                cwd=REPO,
                env=python_env(),
            )
            # kill after a random number (1 to 6) of further pages, at a random moment of
            # the next request (the server answers in 50 ms)
            target = landed(zone) + rng.randint(1, 6)
            while process.poll() is None and landed(zone) < target:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.06))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            code = process.wait(timeout=60)
            readable(zone)
            if code == 0:
                break
            assert code == -signal.SIGKILL, f"the fetch failed on its own (exit {code})"
    finally:
        server.shutdown()
    state = zone.load_state(str(YEAR))
    assert state.status == "done"
    ids = landed_ids(zone)
    lost = len(EXPECTED - set(ids))
    print(
        f"\nlanding crash: {kills} SIGKILLs over {runs} runs; {len(ids)} records landed, "
        f"{lost} lost, {len(ids) - len(set(ids))} doubled"
    )
    assert kills >= 3  # the fetch really was killed in flight, again and again
    assert lost == 0 and len(ids) == len(set(ids)) == 2 * TOTAL
    assert state.done.records == 2 * TOTAL


def test_a_disk_too_small_for_a_page_fails_naming_it_and_a_rerun_completes(
    tmp_path: Path,
) -> None:
    server = PagedServer(("127.0.0.1", 0), PagedAwards)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    zone = LandingZone(tmp_path / "raw", "nsf")
    command = [sys.executable, "-c", FETCH, str(tmp_path / "raw"), url]
    env = python_env()
    try:
        full = subprocess.run(
            [*command, "200000"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        state = zone.load_state(str(YEAR))
        assert full.returncode == 1, full.stderr
        assert "LandingWriteError" in full.stderr and "File too large" in full.stderr
        assert f"cannot write {zone.base / 'blobs'}" in full.stderr
        # every page before the big one is landed and saved; no temporary file is left
        assert state.status == "running" and json.loads(state.cursor) == list(BIG_PAGE)
        assert not list(zone.base.rglob("*.tmp"))
        readable(zone)
        again = subprocess.run(
            [*command, "0"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
    finally:
        server.shutdown()
    ids = landed_ids(zone)
    print(f"\nfull disk while landing: {len(ids)} records landed, {len(EXPECTED - set(ids))} lost")
    assert sorted(ids) == sorted(EXPECTED)
