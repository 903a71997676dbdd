"""What a run was built with beyond its raw files: the code's git commit and a digest of
the reviewed reference tables, for ``meta.runs``.

Two runs on the same raw files can differ because the code changed or a reviewed
reference file did (a CPC map row, an exchange rate). ``meta.runs`` records the raw
files' checksum; these two values let a reader tell such runs apart, and say which
commit to check out to rebuild a release.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb

CODE_ROOT = Path(__file__).resolve().parents[1]  # the folder holding pipelines/ and assets/
GIT_TIMEOUT_S = 10


def code_commit(root: Path = CODE_ROOT) -> tuple[str | None, bool | None]:
    """The git commit checked out at ``root`` and whether its tracked files differ from
    it: ``(sha, modified)``. ``(None, None)`` when ``root`` is not the top of a git work
    tree (an installed package, an unpacked archive; a repository enclosing it is another
    project's) or git cannot be run."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
        if top is None or Path(top).resolve() != root.resolve():
            return None, None
        sha = _git(root, "rev-parse", "HEAD")
        changes = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):  # no git on this machine, or it hangs
        return None, None
    if sha is None or changes is None:
        return None, None
    return sha, changes != ""


def _git(root: Path, *args: str) -> str | None:
    """The stripped output of ``git -C root args``, or None when git fails there."""
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def reference_sha256(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> str:
    """A SHA-256 over the contents of the reference ``tables`` (``ref.*``) in the database
    of ``con``: each table's rows as text in sorted order are digested, then the table
    names with their digests in the order given. Equal values mean the run read the same
    reviewed reference rows, whatever the order of their files."""
    digests = []
    for table in tables:
        (digest,) = con.execute(
            "select sha256(coalesce(string_agg(r::varchar, chr(10) order by r::varchar), '')) "
            f"from {table} r"
        ).fetchone()
        digests.append(f"{table} {digest}")
    (total,) = con.execute("select sha256(?)", ["\n".join(digests)]).fetchone()
    return total
