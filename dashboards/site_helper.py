"""A helper process of ``dashboards.site.build_site``: it makes the pages it claims.

``python -m dashboards.site_helper DATABASE FOLDER CLAIMS`` reads the published
``DATABASE`` and writes into ``FOLDER`` every page it claims first in ``CLAIMS``
(``dashboards.site.claimed``); it exits with status 1 and a traceback on stderr when a
page cannot be made. Started as a fresh interpreter, it imports the dashboards alone.
"""

import sys
from pathlib import Path

from dashboards.data import load
from dashboards.figures import figures_without_template
from dashboards.site import write_pages


def main(argv: list[str]) -> None:
    """Make the pages claimed in ``argv``'s claims folder (database, folder, claims)."""
    database, folder, claims = (Path(arg) for arg in argv)
    figures_without_template()
    write_pages(load(database), folder, claims)


if __name__ == "__main__":
    main(sys.argv[1:])
