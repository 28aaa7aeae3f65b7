"""Exceptions raised by the routing package."""
from __future__ import annotations


class RoutingInputError(ValueError):
    """Bad input: a file, a coordinate or an option the engine cannot use.

    The message is one line and names the problem, so a command-line front end can print it as is
    (``hazledger route ...`` exits with status 2).
    """


class NoRouteError(RoutingInputError):
    """No permitted route joins the two points for this cargo and vehicle."""
