"""The transport-document form of a waybill line (ADR 5.4.1.1.1 order: UN number, name, class, PG, tunnel)."""
from __future__ import annotations

import secrets
import datetime as dt


def transport_line(un_number: str, proper_shipping_name: str, hazard_class: str,
                   packing_group: str | None, tunnel_code: str | None) -> str:
    """``UN 1203 GASOLINE, 3, II, (D/E)``; packing group and tunnel code are left out when there are none."""
    parts = [f"UN {un_number} {proper_shipping_name.upper()}", hazard_class]
    if packing_group:
        parts.append(packing_group)
    if tunnel_code and tunnel_code != "-":
        parts.append(f"({tunnel_code})")
    return ", ".join(parts)


_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U to misread


def document_number(prefix: str, today: dt.date) -> str:
    """``YD20261129-7K3QX9``: a prefix, the date it was opened and 30 random bits (the table's unique key
    catches the rest)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}{today:%Y%m%d}-{suffix}"


def new_waybill_number(today: dt.date) -> str:
    """A waybill's number: ``YD`` (运单) and :func:`document_number`."""
    return document_number("YD", today)
