"""The thresholds of the live checks, read once from the app's ``MONITOR_*`` configuration."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from flask import current_app, has_app_context

from app.config import DEFAULTS
from routing import RoutingInputError
from routing.checks import CheckParameters


@dataclass(frozen=True)
class MonitorSettings:
    """Thresholds of the live checks (``HAZLEDGER_MONITOR_<FIELD>``; defaults in :mod:`app.config`).

    Attributes
    ----------
    min_points, min_seconds, hysteresis_m, max_gap_s
        The deviation and signal-gap rules of :class:`routing.checks.CheckParameters`; ``min_points`` is
        also the persistence of every other run (forbidden zone, stop, overspeed).
    stop_minutes : float
        A stop outside a permitted place lasting this long is an alert.
    site_radius_m : float
        A stop within this distance of a party's site is at a permitted place; an arrival farther than this
        from the unloading site is elsewhere.
    arrival_near_m : float
        A long stop closer than this to the unloading site (but not at it) is an arrival elsewhere.
    speed_limit_kph, overspeed_seconds : float
        Overspeed: above the limit for at least this long.
    map_match : bool
        Judge overspeed and deviation by the roads driven (:mod:`.roads`), once the road network is ready.
    match_sigma_m, match_lag_fixes, match_lag_s : float, int, float
        The live matcher's GPS noise, and the lag after which a fix's road is final
        (:class:`routing.live_matching.FixedLagMatcher`).
    """

    min_points: int
    min_seconds: float
    hysteresis_m: float
    max_gap_s: float
    stop_minutes: float
    site_radius_m: float
    arrival_near_m: float
    speed_limit_kph: float
    overspeed_seconds: float
    map_match: bool = False
    match_sigma_m: float = 10.0
    match_lag_fixes: int = 12
    match_lag_s: float = 120.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MonitorSettings:
        """Read and check the ``MONITOR_*`` keys of *config* (an app's config or :data:`app.config.DEFAULTS`)."""
        kinds = {"min_points": int, "match_lag_fixes": int, "map_match": bool}
        values = {f.name: kinds.get(f.name, float)(config[f"MONITOR_{f.name.upper()}"]) for f in fields(cls)}
        settings = cls(**values)
        try:
            settings.check_parameters()
        except RoutingInputError as error:
            raise ValueError(f"MONITOR_* configuration: {error}") from None
        if min(settings.stop_minutes, settings.site_radius_m, settings.speed_limit_kph, settings.match_sigma_m,
               settings.match_lag_fixes, settings.match_lag_s) <= 0:
            raise ValueError("MONITOR_STOP_MINUTES, _SITE_RADIUS_M, _SPEED_LIMIT_KPH and _MATCH_* must be positive")
        return settings

    def check_parameters(self) -> CheckParameters:
        """The routing engine's parameters for the deviation, zone and gap rules."""
        return CheckParameters(min_points=self.min_points, min_seconds=self.min_seconds,
                               max_gap_s=self.max_gap_s, hysteresis_m=self.hysteresis_m).validated()


def current_settings() -> MonitorSettings:
    """The running app's settings; the defaults outside an app (scripts, unit tests)."""
    return MonitorSettings.from_config(current_app.config if has_app_context() else DEFAULTS)
