"""Which edges a vehicle with a given cargo may not use.

Rules (an edge is closed when any applies):

* ``hazmat=no`` closes the edge to any dangerous goods (at least one UN number on board).
* ``hazmat:water=no`` closes it to water-polluting goods (see :mod:`routing.cargo`).
* Tunnels: the edge's ADR tunnel category is ``hazmat:adr_tunnel_cat`` when tagged, else the most
  restrictive ``hazmat:X=no`` (X in B–E). A ``tunnel=*`` (other than ``no``) with neither tag gets
  ``untagged_tunnel_category``, **"A" by default**: a tunnel the mapper left without a category is
  treated as unrestricted by ADR, because OSM in China rarely carries ADR categories and the real
  restrictions are mapped as ``hazmat=no`` (as on the 复兴东路隧道). Pass ``"E"`` for the strict
  reading that closes every untagged tunnel to every dangerous load.
  The edge is closed when its category is among those the load's tunnel code forbids.
* ``hgv=no`` closes the edge to heavy goods vehicles (declared, or heavier than 3.5 t).
* ``maxweight`` (t) below the vehicle's weight, ``maxheight`` (m) below its height.

Without cargo and vehicle nothing is closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routing._lazy import lazy
from routing.cargo import TUNNEL_CATEGORIES, Cargo

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

# EU/ADR definition of a heavy goods vehicle: maximum mass over 3.5 t.
HGV_MIN_WEIGHT_T = 3.5


@dataclass(frozen=True)
class Vehicle:
    """Physical vehicle data that road restrictions depend on.

    Attributes
    ----------
    weight_t : float or None
        Actual gross weight in tonnes.
    height_m : float or None
        Height in metres.
    hgv : bool
        Heavy goods vehicle (implied by ``weight_t > 3.5``).
    """

    weight_t: float | None = None
    height_m: float | None = None
    hgv: bool = False

    @property
    def is_hgv(self) -> bool:
        """Whether ``hgv=no`` applies to this vehicle."""
        return self.hgv or (self.weight_t is not None and self.weight_t > HGV_MIN_WEIGHT_T)


def _tag(edges: pd.DataFrame, key: str) -> pd.Series:
    """Return a tag column as lower-case strings ("" where absent); lists (merged ways) are joined."""
    if key not in edges:
        return pd.Series("", index=edges.index, dtype=object)
    col = edges[key]
    return col.where(col.notna(), "").astype(str).str.lower()


def _says_no(edges: pd.DataFrame, key: str) -> np.ndarray:
    # A merged edge's tag may be a list such as "['no', 'yes']": any "no" closes it.
    return _tag(edges, key).str.contains(r"\bno\b", regex=True).to_numpy()


def parse_limit(values: pd.Series, *, unit: str) -> pd.Series:
    """Parse ``maxweight`` (tonnes) or ``maxheight`` (metres) tags to floats, NaN when unknown.

    Parameters
    ----------
    values : pandas.Series
        Raw tag strings such as ``"30"``, ``"7.5 t"``, ``"3500 kg"``, ``"4.2"``, ``"13'6\\""``,
        ``"default"``.
    unit : {"t", "m"}
        Target unit.

    Returns
    -------
    pandas.Series
        Limits as floats in ``unit``.
    """
    text = values.where(values.notna(), "").astype(str).str.lower()
    number = pd.to_numeric(text.str.extract(r"^\s*\[?'?(\d+(?:\.\d+)?)")[0], errors="coerce")
    if unit == "t":
        pounds = np.where(text.str.contains("lbs"), 0.00045359237, 1.0)
        scale = np.where(text.str.contains(r"\d\s*kg"), 0.001, pounds)
        return number * scale
    feet = text.str.extract(r"(\d+)\s*'\s*(\d+)?")
    in_feet = feet[0].notna()
    inches = pd.to_numeric(feet[1], errors="coerce").fillna(0)
    imperial = pd.to_numeric(feet[0], errors="coerce") * 0.3048 + inches * 0.0254
    return number.where(~in_feet, imperial)


def tunnel_categories(edges: pd.DataFrame, *, untagged_tunnel_category: str = "A") -> pd.Series:
    """Return each edge's ADR tunnel category ("A"–"E"), or "" for an edge that is not a tunnel.

    Parameters
    ----------
    edges : pandas.DataFrame
        Edge table with OSM tag columns.
    untagged_tunnel_category : str
        Category assumed for a ``tunnel=*`` edge with no category tags (module docstring).

    Returns
    -------
    pandas.Series
    """
    category = _tag(edges, "hazmat:adr_tunnel_cat").str.upper().str.strip()
    category = category.where(category.isin(TUNNEL_CATEGORIES), "")
    # hazmat:E=no is stricter than hazmat:B=no, so scan from E down and keep the first found.
    from_signs = pd.Series("", index=edges.index, dtype=object)
    for letter in reversed(TUNNEL_CATEGORIES[1:]):
        from_signs = from_signs.mask(_says_no(edges, f"hazmat:{letter}") & (from_signs == ""), letter)
    category = category.where(category != "", from_signs)
    tunnel = _tag(edges, "tunnel")
    is_tunnel = (tunnel != "") & (tunnel != "no")
    return category.where((category != "") | ~is_tunnel, untagged_tunnel_category.upper())


def closure_reasons(
    edges: pd.DataFrame,
    cargo: Cargo | None = None,
    vehicle: Vehicle | None = None,
    *,
    untagged_tunnel_category: str = "A",
) -> pd.Series:
    """Return why each edge is closed to this cargo and vehicle ("" where it is open).

    Parameters
    ----------
    edges : pandas.DataFrame
        Edge table (e.g. :attr:`routing.network.Network.edges`).
    cargo : Cargo, optional
        What is on board; ``None`` for no dangerous goods.
    vehicle : Vehicle, optional
        Weight, height, HGV status; ``None`` for no vehicle limits.
    untagged_tunnel_category : str
        See the module docstring.

    Returns
    -------
    pandas.Series
        One short reason per edge, the first rule that closes it.
    """
    cargo = cargo or Cargo()
    vehicle = vehicle or Vehicle()
    rules: list[tuple[str, np.ndarray]] = []
    if cargo.dangerous:
        rules.append(("hazmat=no", _says_no(edges, "hazmat")))
    if cargo.water_polluting:
        rules.append(("hazmat:water=no", _says_no(edges, "hazmat:water")))
    if cargo.closed_tunnel_categories:
        category = tunnel_categories(edges, untagged_tunnel_category=untagged_tunnel_category)
        closed = category.isin(cargo.closed_tunnel_categories).to_numpy()
        rules.append((f"tunnel category closed to code {cargo.tunnel_code}", closed))
    if vehicle.is_hgv:
        rules.append(("hgv=no", _says_no(edges, "hgv")))
    if vehicle.weight_t is not None:
        limit = parse_limit(_tag(edges, "maxweight"), unit="t").to_numpy()
        rules.append(("maxweight below vehicle weight", np.nan_to_num(limit, nan=np.inf) < vehicle.weight_t))
    if vehicle.height_m is not None:
        limit = parse_limit(_tag(edges, "maxheight"), unit="m").to_numpy()
        rules.append(("maxheight below vehicle height", np.nan_to_num(limit, nan=np.inf) < vehicle.height_m))
    reasons = np.full(len(edges), "", dtype=object)
    # Apply in reverse so the first rule listed wins where several close the same edge.
    for reason, mask in reversed(rules):
        reasons[mask] = reason
    return pd.Series(reasons, index=edges.index, dtype=object)
