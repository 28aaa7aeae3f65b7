"""The chemical catalogue: administrators edit it, everyone reads and searches it."""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from app.services.registry import Registry, json_list_has
from models import Chemical


def _search(text: str) -> ColumnElement[bool]:
    """A name (zh or en) containing *text*, or exactly its UN number (``1203``, ``UN1203``) or CAS number."""
    text = text.strip()
    return or_(
        Chemical.name_zh.contains(text, autoescape=True),
        Chemical.name_en.icontains(text, autoescape=True),
        Chemical.un_number == text.upper().removeprefix("UN").strip(),
        json_list_has(Chemical.cas_numbers, text),
    )


CHEMICALS = Registry(
    model=Chemical, label="chemical", order_by=(Chemical.un_number, Chemical.source, Chemical.id),
    filters={
        "q": _search,
        "un_number": lambda number: Chemical.un_number == number,
        "hazard_class": lambda hazard_class: Chemical.hazard_class == hazard_class,
        "highly_toxic": lambda flag: Chemical.highly_toxic == flag,
        "explosive_precursor": lambda flag: Chemical.explosive_precursor == flag,
        "key_supervised": lambda flag: Chemical.key_supervised == flag,
        "control_level": lambda level: Chemical.control_level == level,
        "source": lambda source: Chemical.source == source,
        "active": lambda flag: Chemical.active == flag,
    },
)
