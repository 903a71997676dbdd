"""Replacing a published folder so that readers see the old one or the new one.

On Linux the new folder and the old one are exchanged in one step (``renameat2`` with
``RENAME_EXCHANGE``), so a reader always finds a whole folder. Where the system or the
file system cannot exchange (macOS, some network file systems), the swap is two renames
and a reader may find no folder for an instant.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def replaced_folder(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success it replaces ``final``.

    If the block raises, ``final`` is untouched and the temporary folder removed; so it is
    when the new folder cannot be moved into place where the swap takes two renames. Folders
    left beside ``final`` by a replacement killed before it cleaned up are removed first
    (replacements of one folder are serialised: any such folder is a dead one).
    """
    for kind in ("tmp", "old"):
        for dead in final.parent.glob(f".{final.name}.{kind}-*"):
            shutil.rmtree(dead, ignore_errors=True)
    token = uuid.uuid4().hex[:12]
    temp = final.with_name(f".{final.name}.tmp-{token}")
    old = final.with_name(f".{final.name}.old-{token}")
    temp.mkdir(parents=True)
    try:
        yield temp
        if final.is_dir() and not final.is_symlink() and exchange(temp, final):
            os.replace(temp, old)  # temp now holds the old folder
        else:
            if final.exists():
                os.replace(final, old)
            try:
                os.replace(temp, final)
            except OSError:
                if old.exists():  # the last folder goes back: never neither folder
                    os.replace(old, final)
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step; return False (nothing changed) where
    the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
