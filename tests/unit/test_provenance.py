"""What a run was built with: the code's git commit and the reference tables' digest."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.provenance import code_commit, reference_sha256

pytestmark = pytest.mark.unit


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` as a throwaway author and return its stripped output."""
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed on this machine")
def test_the_commit_of_a_checkout_and_whether_its_files_changed(tmp_path: Path) -> None:
    root = tmp_path / "qcm"
    root.mkdir()
    git(root, "init", "-q")
    (root / "code.py").write_text("x = 1\n", encoding="utf-8")
    git(root, "add", "code.py")
    git(root, "commit", "-q", "-m", "first")
    sha = git(root, "rev-parse", "HEAD")
    assert code_commit(root) == (sha, False, None)
    # an untracked file outside the code (a build's output, a notebook's scratch) is not a
    # change of the code; one in a folder the build reads (a new SQL table) is
    (root / "out.txt").write_text("made by a run\n", encoding="utf-8")
    assert code_commit(root) == (sha, False, None)
    (root / "sql" / "marts").mkdir(parents=True)
    (root / "sql" / "marts" / "extra.sql").write_text("select 1\n", encoding="utf-8")
    assert code_commit(root) == (sha, True, None)
    (root / "sql" / "marts" / "extra.sql").unlink()
    (root / "code.py").write_text("x = 2\n", encoding="utf-8")
    assert code_commit(root) == (sha, True, None)
    # a folder inside another project's repository is not that project's code
    inner = root / "site-packages"
    inner.mkdir()
    assert code_commit(inner) == (None, None, None)
    assert code_commit(tmp_path / "unpacked") == (None, None, None)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed on this machine")
@pytest.mark.skipif(os.geteuid() != 0, reason="giving the checkout to another user needs root")
def test_a_checkout_git_refuses_as_another_users_is_said(tmp_path: Path) -> None:
    root = tmp_path / "qcm"
    root.mkdir()
    git(root, "init", "-q")
    for path in (root, *root.rglob("*")):
        os.chown(path, 65534, 65534)  # nobody
    found = code_commit(root)
    if found.commit is not None:
        pytest.skip("git on this machine trusts checkouts of every user (safe.directory)")
    assert found.modified is None and "safe.directory" in (found.problem or "")
    assert str(root) in found.problem


def test_the_reference_digest_follows_the_rows_not_their_order() -> None:
    con = duckdb.connect()
    con.execute("create schema ref")
    con.execute("create table ref.a as select * from (values ('x', 1), ('y', 2)) t(k, v)")
    con.execute("create table ref.b as select 'z' as k")
    first = reference_sha256(con, ("ref.a", "ref.b"))
    assert len(first) == 64
    con.execute(
        "create or replace table ref.a as select * from (values ('y', 2), ('x', 1)) t(k, v)"
    )
    assert reference_sha256(con, ("ref.a", "ref.b")) == first
    con.execute("update ref.a set v = 3 where k = 'y'")
    changed = reference_sha256(con, ("ref.a", "ref.b"))
    assert changed != first
    # an empty table counts as one, distinct from a row-less digest of another name
    con.execute("delete from ref.b")
    emptied = reference_sha256(con, ("ref.a", "ref.b"))
    assert emptied not in {first, changed}
    # a line break inside a value cannot pass for a row boundary
    con.execute("insert into ref.b values ('p' || chr(10) || 'q')")
    joined = reference_sha256(con, ("ref.a", "ref.b"))
    con.execute("delete from ref.b")
    con.execute("insert into ref.b values ('p'), ('q')")
    assert reference_sha256(con, ("ref.a", "ref.b")) not in {joined, emptied}
