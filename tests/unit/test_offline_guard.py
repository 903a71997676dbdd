"""The tests never touch the network: pytest's process and every process it starts refuse
a connection or a lookup beyond this machine (tests/offline/sitecustomize.py)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit


def test_a_connection_or_lookup_beyond_this_machine_is_refused() -> None:
    with pytest.raises(OSError, match="the tests never touch the network"):
        socket.getaddrinfo("api.openalex.org", 443)
    for lookup in (socket.gethostbyname, socket.gethostbyname_ex, socket.gethostbyaddr):
        with pytest.raises(OSError, match="the tests never touch the network"):
            lookup("api.openalex.org")
    with socket.socket() as sock, pytest.raises(OSError, match=r"refused a connection to"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_loopback_stays_open() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert socket.getaddrinfo("localhost", 80)


def test_a_process_the_tests_start_refuses_too() -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('api.openalex.org', 443)\n"
        "except OSError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "the tests never touch the network" in out.stdout


def test_every_process_a_test_starts_gets_its_environment_from_python_env() -> None:
    # a test that sets PYTHONPATH itself drops the guard from the process it starts
    tests = Path(__file__).resolve().parents[1]
    setting = re.compile(r"[\"']PYTHONPATH[\"']\s*:")
    own = [
        str(path.relative_to(tests))
        for path in sorted(tests.rglob("*.py"))
        if setting.search(path.read_text(encoding="utf-8"))
    ]
    assert own == []
