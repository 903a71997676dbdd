"""What a run was built with beyond its raw files: the code's git commit and a digest of
the reviewed reference tables, for ``meta.runs``.

Two runs on the same raw files can differ because the code changed or a reviewed
reference file did (a CPC map row, an exchange rate). ``meta.runs`` records the raw
files' checksum; these two values let a reader tell such runs apart, and say which
commit to check out to rebuild a release.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import NamedTuple

import duckdb

CODE_ROOT = Path(__file__).resolve().parents[1]  # the folder holding pipelines/ and assets/
# the folders whose files the build reads: an untracked file there (a new SQL table, say)
# changes the build as much as an edited one
CODE_FOLDERS = ("pipelines/", "assets/", "sql/", "dashboards/")
GIT_TIMEOUT_S = 10


class CodeVersion(NamedTuple):
    """The code a run was built with: the git ``commit`` checked out and whether the
    checkout differs from it (``modified``), both None when unknown, and why they are
    unknown where that needs telling (``problem``, for the run's log)."""

    commit: str | None
    modified: bool | None
    problem: str | None = None


def code_commit(root: Path = CODE_ROOT) -> CodeVersion:
    """The git commit checked out at ``root`` and whether the checkout differs from it: a
    tracked file changed, or an untracked one (not ignored) in a folder the build reads
    (``CODE_FOLDERS``). Unknown (None, None) when ``root`` is not the top of a git work
    tree (an installed package, an unpacked archive; a repository enclosing it is another
    project's) or git cannot be run; with a ``problem`` when git refuses a checkout owned
    by another user (its ``safe.directory`` rule, which this does not override: a
    repository's own configuration could then run commands)."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
        if top.returncode != 0:
            if "safe.directory" in top.stderr:
                return CodeVersion(
                    None,
                    None,
                    f"git refuses to read the checkout {root}, which another user owns, so "
                    "meta.runs records no code_commit; to record it, run as this user "
                    f"`git config --global --add safe.directory {root}`",
                )
            return CodeVersion(None, None)
        if Path(top.stdout.strip()).resolve() != root.resolve():
            return CodeVersion(None, None)
        sha = _git(root, "rev-parse", "HEAD")
        status = _git(root, "status", "--porcelain", "--untracked-files=all")
    except (OSError, subprocess.TimeoutExpired):  # no git on this machine, or it hangs
        return CodeVersion(None, None)
    if sha.returncode != 0 or status.returncode != 0:
        return CodeVersion(None, None)
    changes = [
        line
        for line in status.stdout.splitlines()
        if not line.startswith("?? ") or line[3:].startswith(CODE_FOLDERS)
    ]
    return CodeVersion(sha.stdout.strip(), bool(changes))


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git -C root args`` run, its output kept; never the index refreshed (no optional
    locks: a reader's status must not write into the checkout)."""
    return subprocess.run(
        ["git", "--no-optional-locks", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )


def reference_sha256(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> str:
    """A SHA-256 over the contents of the reference ``tables`` (``ref.*``) in the database
    of ``con``: per table, its column names and its rows, each row as canonical JSON
    (values as Python reads them; dates and other non-JSON values as text), the rows in
    sorted order. Equal values mean the run read the same reviewed reference rows,
    whatever the order of their files or the DuckDB version."""
    digest = hashlib.sha256()
    for table in tables:
        result = con.execute(f"select * from {table}")
        columns = [d[0] for d in result.description]
        rows = sorted(json.dumps(list(row), default=str) for row in result.fetchall())
        digest.update(json.dumps([table, columns, rows]).encode())
    return digest.hexdigest()
