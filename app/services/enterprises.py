"""Enterprises: registered, changed and deactivated by administrators; an enterprise user sees only its own."""
from __future__ import annotations

from app.services.registry import Registry, json_list_has, owned_filters
from models import Enterprise

ENTERPRISES = Registry(
    model=Enterprise, label="enterprise", order_by=(Enterprise.name, Enterprise.id), scope=Enterprise.id,
    filters={
        **owned_filters(Enterprise.id, Enterprise.active, Enterprise.name),
        "role": lambda role: json_list_has(Enterprise.roles, role),
        "district": lambda adcode: Enterprise.district_adcode == adcode,
    },
    unique=(("uscc",),),
)
