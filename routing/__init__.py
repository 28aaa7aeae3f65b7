"""Geospatial routing engine: road networks, hazmat restrictions, route planning, corridor and track checks.

Pure functions over shapely, geopandas, networkx and osmnx; no web framework and no database.
Coordinates are WGS-84 (lon, lat) in and out; every distance is computed in a UTM CRS.
"""
from routing._errors import NoRouteError, RoutingInputError

__all__ = ["NoRouteError", "RoutingInputError"]
