"""Input checks shared by the routing modules.

Each function raises :class:`~routing._errors.RoutingInputError` with a one-line reason.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing._errors import RoutingInputError


def lonlat_mask(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Return which coordinate pairs are finite and inside WGS-84 degree ranges.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Longitudes and latitudes in degrees.

    Returns
    -------
    numpy.ndarray
        Boolean mask, True where the pair is usable.
    """
    with np.errstate(invalid="ignore"):
        return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)


def parse_lonlat(text: str, *, name: str = "point") -> tuple[float, float]:
    """Parse ``"LON,LAT"`` into a validated ``(lon, lat)`` pair.

    Parameters
    ----------
    text : str
        Longitude and latitude in WGS-84 degrees, separated by a comma.
    name : str
        What the point is, for the error message.

    Returns
    -------
    tuple of float
        ``(lon, lat)``.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2:
        raise RoutingInputError(f"{name} must be LON,LAT, got {text!r}")
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise RoutingInputError(f"{name} must be two numbers LON,LAT, got {text!r}") from None
    check_lonlat(lon, lat, name=name)
    return lon, lat


def check_lonlat(lon: float, lat: float, *, name: str = "point") -> None:
    """Refuse a non-finite or out-of-range WGS-84 coordinate pair."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise RoutingInputError(f"{name} has a non-finite coordinate ({lon}, {lat})")
    if abs(lon) > 180 or abs(lat) > 90:
        raise RoutingInputError(f"{name} ({lon}, {lat}) is out of range: lon within ±180, lat within ±90")


def check_inside_bbox(
    lon: float, lat: float, bbox: Sequence[float], *, margin_deg: float, name: str = "point"
) -> None:
    """Refuse a point outside ``bbox = (west, south, east, north)`` grown by ``margin_deg``.

    Checked in degrees before any projection: a point in another hemisphere than the network would
    otherwise be projected into a UTM zone where it means nothing.
    """
    west, south, east, north = bbox
    inside_lon = west - margin_deg <= lon <= east + margin_deg
    if not (inside_lon and south - margin_deg <= lat <= north + margin_deg):
        raise RoutingInputError(
            f"{name} ({lon:.6f}, {lat:.6f}) is outside the network "
            f"(lon {west:.3f}..{east:.3f}, lat {south:.3f}..{north:.3f})"
        )


def check_positive(value: float, *, name: str, allow_zero: bool = False) -> float:
    """Refuse a non-finite, negative (or zero) option value and return it as a float."""
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise RoutingInputError(f"{name} must be {bound}, got {value}")
    return value
