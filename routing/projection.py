"""Coordinate reference systems: WGS-84 in and out, UTM for every distance, GCJ-02 input.

Distances are only ever computed in a metric CRS; the engine projects once at entry with the UTM zone
that :func:`utm_crs` estimates for the data, and back to WGS-84 for output.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry.base import BaseGeometry

from routing._errors import RoutingInputError

WGS84 = pyproj.CRS.from_epsg(4326)
FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid parameters used by the GCJ-02 obfuscation (public reverse-engineered form).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def utm_crs(west: float, south: float, east: float, north: float) -> pyproj.CRS:
    """Estimate the UTM CRS for a WGS-84 bounding box (as ``GeoSeries.estimate_utm_crs`` does).

    Parameters
    ----------
    west, south, east, north : float
        Bounding box in degrees.

    Returns
    -------
    pyproj.CRS
        The WGS-84 / UTM zone CRS covering the box's centre.
    """
    # Like geopandas' estimate_utm_crs, but for the box's centre: a box straddling two zones
    # gets the zone where most of it lies.
    lon_c = (west + east) / 2.0
    lat_c = (south + north) / 2.0
    code = _utm_epsg(lon_c, lat_c)
    if code is not None:
        return pyproj.CRS.from_epsg(code)
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon_c, lat_c, lon_c, lat_c),
    )
    if not infos:
        raise RoutingInputError(f"no UTM zone covers lon {west}..{east}, lat {south}..{north}")
    return pyproj.CRS.from_authority(infos[0].auth_name, infos[0].code)


def _utm_epsg(lon: float, lat: float) -> int | None:
    """The EPSG code of the WGS 84 / UTM zone whose area of use holds the point inside, by arithmetic (zone *z*
    spans longitudes -180 + 6 (z - 1) to -180 + 6 z; 326zz north of the equator up to 84°, 327zz south of it down
    to 80°); None on a zone's edge or outside those latitudes, where the PROJ database's order decides. Asking the
    database costs a tenth of a second, as much as checking a quarter of a million fixes."""
    position = (lon + 180.0) / 6.0
    zone = math.floor(position)
    on_edge = min(position - zone, zone + 1 - position) < 1e-9
    if on_edge or not 0 <= zone < 60 or not (0.0 < lat < 84.0 or -80.0 < lat < 0.0):
        return None
    return (32601 if lat > 0 else 32701) + zone


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _name(crs: pyproj.CRS) -> str:
    """The text the CRS was made from (``EPSG:32651``, or WKT): a key for the transformer cache that costs
    nothing, where ``to_string()`` asks the PROJ database each time (a tenth of a millisecond, as much as
    projecting a batch of fixes)."""
    return crs.srs or crs.to_string()


_WGS84_NAME = _name(WGS84)


def to_metric(lon: FloatArray, lat: FloatArray, crs: pyproj.CRS) -> tuple[FloatArray, FloatArray]:
    """Project WGS-84 degrees to ``crs`` metres (vectorised)."""
    x, y = _transformer(_WGS84_NAME, _name(crs)).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(x: FloatArray, y: FloatArray, crs: pyproj.CRS) -> tuple[FloatArray, FloatArray]:
    """Project ``crs`` metres back to WGS-84 degrees (vectorised)."""
    lon, lat = _transformer(_name(crs), _WGS84_NAME).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def geometry_to_metric(geom: BaseGeometry, crs: pyproj.CRS) -> BaseGeometry:
    """Project a WGS-84 shapely geometry to ``crs``."""
    forward = _transformer(_WGS84_NAME, _name(crs)).transform
    return shapely.transform(geom, forward, interleaved=False)


def geometry_to_wgs84(geom: BaseGeometry, crs: pyproj.CRS) -> BaseGeometry:
    """Project a shapely geometry in ``crs`` back to WGS-84."""
    inverse = _transformer(_name(crs), _WGS84_NAME).transform
    return shapely.transform(geom, inverse, interleaved=False)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 shift (degrees) that the obfuscation adds to a WGS-84 position."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    # The shift is only applied inside (a rough box around) China.
    outside = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply the GCJ-02 shift to WGS-84 coordinates (vectorised)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray, *, iterations: int = 3) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates (Chinese web maps) to WGS-84 (vectorised).

    The shift has no closed-form inverse; a few fixed-point iterations of
    ``wgs = gcj - (shift(wgs))`` bring the error well below a centimetre.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees.
    iterations : int
        Number of fixed-point refinements.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)``.
    """
    gcj_lon = np.asarray(lon, dtype=float)
    gcj_lat = np.asarray(lat, dtype=float)
    wgs_lon, wgs_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(iterations):
        d_lon, d_lat = _gcj_offset(wgs_lon, wgs_lat)
        wgs_lon, wgs_lat = gcj_lon - d_lon, gcj_lat - d_lat
    return wgs_lon, wgs_lat
