"""JSON Lines files written for the parsers' tests, gzipped when the name ends in ``.gz``."""

import gzip
import json
from pathlib import Path


def write_lines(path: Path, records: list) -> Path:
    """Write ``records`` one per line to ``path`` (its folders made as needed): a string as
    it is (a blank or broken line), anything else as JSON; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    body = "\n".join(lines).encode()
    path.write_bytes(gzip.compress(body) if path.name.endswith(".gz") else body)
    return path
