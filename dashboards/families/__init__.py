"""The indicator families shown on the site, in page order.

A family is a module with ``NAME`` and functions ``overview(data)``,
``approach(data, approach_id)``, ``country(data, iso3)`` and ``methods(data)`` that
return sections. Adding a family (patents, funding, ...) is adding its module here. A
family with a page of its own (funding, workforce, supply chain, capability) also has
``page(data)``, called by ``dashboards.site``; capability also has one page per approach
with milestones (``approach_page(data, approach_id)``).
"""

from dashboards.families import (
    bibliometric,
    capability,
    funding,
    patents,
    supply_chain,
    workforce,
)

FAMILIES = [bibliometric, patents, funding, workforce, supply_chain, capability]
