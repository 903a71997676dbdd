"""No network in the tests: loaded by every Python process the test suite starts.

``tests/conftest.py`` installs the guard in pytest's own process and puts this folder
first on ``PYTHONPATH``, so Python loads this file as ``sitecustomize`` in every process
started from it (pytest-xdist's workers, each ``qcm build`` or Dagster process a test
runs). A connection or a name lookup beyond this machine then fails at once with an
``OSError`` naming where it was going, instead of reaching a service (or passing only on
a machine that has a network). Loopback stays open: the mock servers, Dagster's own
processes and the browser's page server all listen there.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

MESSAGE = "the tests never touch the network (tests/offline/sitecustomize.py): refused {}"


def _local(host: object) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in (None, "", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return str(host).endswith(".localhost")
    return address.is_loopback or address.is_unspecified


def install() -> None:
    """Refuse, from now on in this process, every connection and name lookup beyond this
    machine (once: installing twice changes nothing)."""
    if getattr(socket, "_qcm_offline", False):
        return
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    lookup = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            raise OSError(MESSAGE.format(f"a connection to {address!r}"))
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            raise OSError(MESSAGE.format(f"a connection to {address!r}"))
        return connect_ex(self, address)

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local(host):
            raise socket.gaierror(socket.EAI_NONAME, MESSAGE.format(f"a lookup of {host!r}"))
        return lookup(host, *args, **kwargs)

    def guarded(name: str) -> Any:
        """``socket.<name>``, a lookup of its first argument, refusing one beyond here."""
        original = getattr(socket, name)

        def lookup_by_name(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _local(host):
                raise socket.gaierror(socket.EAI_NONAME, MESSAGE.format(f"a lookup of {host!r}"))
            return original(host, *args, **kwargs)

        return lookup_by_name

    for name in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, guarded(name))
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_lookup
    socket._qcm_offline = True  # type: ignore[attr-defined]


install()
