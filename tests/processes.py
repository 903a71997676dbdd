"""The environment of a Python process a test starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OFFLINE = Path(__file__).with_name("offline")


def python_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (the current environment when None) with ``PYTHONPATH`` starting with the
    network guard's folder (``tests/offline``, loaded as ``sitecustomize``) and the
    repository, so that the process imports qcm and never reaches the network."""
    env = dict(os.environ if base is None else base)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    first = [str(OFFLINE), str(REPO)]
    env["PYTHONPATH"] = os.pathsep.join([*first, *(p for p in paths if p not in first)])
    return env
