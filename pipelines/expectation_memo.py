"""Each GX expectation's configuration built once per validation, not once per read.

Great Expectations 1.24 makes an expectation's ``configuration`` afresh every time it is
read: a pydantic ``dict()`` of the expectation, deep copies of its arguments (a value set
of 250 country codes included) and a regular expression over its class name. Working out
what one expectation needs reads it about 38 times, so in our checks it was about half of
GX's time. Inside ``kept_configurations()`` each expectation object's configuration is
made once and handed out again while none of its fields has been assigned since; outside
it, and in any other thread, GX's own property runs unchanged.

The property is replaced on GX's ``Expectation`` class once (``install``); what it kept
is dropped when the context closes, so no expectation object outlives its validation
because of it.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_ACTIVE = threading.local()  # .kept: {id(expectation): (expectation, fields, configuration)}


def install(expectation_class: type) -> None:
    """Replace ``expectation_class.configuration`` (GX's ``Expectation``) by a property that
    keeps what it made while ``kept_configurations()`` is open in the calling thread.
    Installing twice changes nothing."""
    current = expectation_class.__dict__["configuration"]
    if getattr(current.fget, "made_by", None) is not None:
        return
    made_by = current.fget

    def configuration(expectation: Any) -> Any:
        kept = getattr(_ACTIVE, "kept", None)
        if kept is None:
            return made_by(expectation)
        fields = tuple(expectation.__dict__.values())
        earlier = kept.get(id(expectation))
        if earlier is not None and earlier[0] is expectation and _same(earlier[1], fields):
            return earlier[2]
        made = made_by(expectation)
        kept[id(expectation)] = (expectation, fields, made)
        return made

    configuration.made_by = made_by  # type: ignore[attr-defined]
    configuration.__doc__ = made_by.__doc__
    expectation_class.configuration = property(configuration)


def _same(before: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Whether an expectation's fields are the very objects they were (pydantic replaces
    a field's object when it is assigned)."""
    return len(before) == len(now) and all(a is b for a, b in zip(before, now, strict=True))


@contextmanager
def kept_configurations() -> Iterator[None]:
    """While open, each expectation's configuration is made once (see ``install``); on
    closing, every one kept is dropped. Contexts may nest: the outermost keeps."""
    if getattr(_ACTIVE, "kept", None) is not None:
        yield
        return
    _ACTIVE.kept = {}
    try:
        yield
    finally:
        _ACTIVE.kept = None
