"""The dashboards asset: the static site, built from the published database only."""

import dagster as dg

from dashboards.site import build_site
from pipelines.meta_assets import PUBLISHED_KEY
from pipelines.resources import QcmResource

SITE_KEY = dg.AssetKey(["site"])


@dg.asset(
    key=SITE_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    kinds={"html", "plotly"},
    # not beside a build: its publish swaps in the release the pages are made from
    pool="duckdb",
    description="The static dashboards (DIR/site/index.html): overview, a page per technology "
    "approach and per country, methods and caveats; offline, built from the published marts "
    "(kept as it is when none of the data or code it is made from changed).",
)
def site(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Render the site next to the published database, replacing the last one atomically,
    or keep the last one when nothing its pages are made from changed."""
    settings = qcm.settings
    built = build_site(settings.published_db, settings.out_dir / "site")
    how = (
        f"kept the pages of run {built.kept_from}, made from the same data and code: "
        if built.kept_from
        else ""
    )
    context.log.info(
        f"site: {how}{built.pages} pages, {built.bytes / 1e6:.1f} MB in {built.root} "
        f"(largest page {built.largest_page[0]}, {built.largest_page[1] / 1e3:.0f} kB)"
    )
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(built.root / "index.html")),
            "pages": built.pages,
            "bytes": built.bytes,
            "largest_page": f"{built.largest_page[0]} ({built.largest_page[1]:,} bytes)",
            "kept_from_run": built.kept_from or "",
        }
    )
