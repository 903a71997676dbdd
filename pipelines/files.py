"""Replacing a published folder so that readers see the old one or the new one."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_folder(final: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success it replaces ``final``.

    If the block raises, ``final`` is untouched and the temporary folder removed. The
    swap is two renames (old out, new in): a reader may find no folder for an instant.
    """
    token = uuid.uuid4().hex[:12]
    temp = final.with_name(f".{final.name}.tmp-{token}")
    old = final.with_name(f".{final.name}.old-{token}")
    temp.mkdir(parents=True)
    try:
        yield temp
        if final.exists():
            os.replace(final, old)
        os.replace(temp, final)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
