"""Sites: an enterprise registers its own plants, warehouses, tank farms, terminals and disposal facilities."""
from __future__ import annotations

from app.services.registry import Registry, owned_filters
from models import Site

SITES = Registry(
    model=Site, label="site", order_by=(Site.name, Site.id), scope=Site.enterprise_id,
    filters={
        **owned_filters(Site.enterprise_id, Site.active, Site.name),
        "kind": lambda kind: Site.kind == kind,
        "district": lambda adcode: Site.district_adcode == adcode,
    },
)
