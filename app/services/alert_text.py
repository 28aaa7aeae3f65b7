"""An alert's title, made from its kind, its subject and its current details, in the reader's language.

An alert stores what it is about as data: its ``kind`` (the code), its ``subject`` (the trip's label
``苏B12345 (YD20261129-J1SPCH)``, the site's name, the manifest's number) and its ``details`` (the figures,
which grow with the episode). Its title is not stored as a sentence to be read later: each reader gets it from the
catalogue in their own language and from the figures as they are now (a stored sentence kept the figures of the
moment it was written, "S = 5.02" beside details that said 5.006). The stored ``title`` column keeps the English
of the latest figures, for the CLI and for rows this module cannot describe (an older shape of details).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from app.i18n import N_, Text, localize, localize_html

Details = Mapping[str, Any]
#: A sentence before its subject is known: its template and its values.
Sentence = tuple[str, dict[str, Any]]


def _say(template: str, **values: Any) -> Sentence:
    return template, values


def _minutes(seconds: Any) -> float:
    return float(seconds) / 60


def _time_window(details: Details) -> Sentence:
    if details.get("window") == "departure":
        template = (N_("{subject}: departed {minutes:.0f} min early for its planned window")
                    if details["how"] == "early" else
                    N_("{subject}: departed {minutes:.0f} min late for its planned window"))
        return _say(template, minutes=_minutes(details["off_by_s"]))
    return _say(N_("{subject}: on the corridor outside its time window"))


def _forbidden_zone(details: Details) -> Sentence:
    if details.get("rule") == "no_stop":
        return _say(N_("{subject}: stopped in no-stop zone {zone}"), zone=details["zone"])
    return _say(N_("{subject}: in forbidden zone {zone}"), zone=details["zone"])


def _signal_gap(details: Details) -> Sentence:
    template = (N_("{subject}: no position for more than {minutes:.0f} min so far") if details.get("ongoing")
                else N_("{subject}: no position for {minutes:.0f} min"))
    return _say(template, minutes=_minutes(details["gap_s"]))


def _arrival_elsewhere(details: Details) -> Sentence:
    if "duration_s" in details:
        return _say(N_("{subject}: stopped {minutes:.0f} min {distance:.0f} m from the consignee's site"),
                    minutes=_minutes(details["duration_s"]), distance=float(details["distance_m"]))
    return _say(N_("{subject}: arrival declared {distance:.0f} m from the consignee's site"),
                distance=float(details["distance_m"]))


#: GB 18218-2018's grades as the details store them, in the catalogue's words.
GRADES = {"一级": N_("grade 1"), "二级": N_("grade 2"), "三级": N_("grade 3"), "四级": N_("grade 4")}


def _major_hazard(details: Details) -> Sentence:
    if details.get("problem") == "no_design_maximum":
        return _say(N_("{subject} / {unit}: {chemical} {held_t} t, no design maximum registered"),
                    unit=details["unit"], chemical=details["chemical"], held_t=details["held_t"])
    if details.get("problem") == "over_design_maximum":
        return _say(N_("{subject} / {unit}: {chemical} {held_t} t, over the design maximum of {maximum_t} t"),
                    unit=details["unit"], chemical=details["chemical"], held_t=details["held_t"],
                    maximum_t=details["design_maximum_t"])
    return _say(N_("{subject}: a {grade} major hazard source (S = {s}, R = {r})"),
                grade=Text(GRADES[details["grade"]]), s=details["s"], r=details["r"])


def _waste_overdue(details: Details) -> Sentence:
    return _say(N_("Hazardous waste stored too long: {batch} ({category} {code}) {kg} kg at {subject}, "
                   "generated {generated_on}, more than {days} days"),
                batch=details["batch"], category=details["category"], code=details["code"], kg=details["kg"],
                generated_on=dt.datetime.fromisoformat(details["generated_at"]).date().isoformat(),
                days=details["allowed_days"])


#: A waste transfer alert's problem → its sentence.
TRANSFER_PROBLEMS = {
    "discrepancy": N_("Transfer manifest {subject}: the quantity received differs from the manifest"),
    "carrier_refused": N_("Transfer manifest {subject}: the carrier found it not as stated and refused to carry"),
    "refused": N_("Transfer manifest {subject}: the receiver refused it"),
    "receipt_overdue": N_("Transfer manifest {subject}: the receiver has not confirmed receipt (due by {due})"),
}


def _waste_transfer(details: Details) -> Sentence:
    due = details.get("due")
    return _say(TRANSFER_PROBLEMS[details["problem"]],
                due=dt.datetime.fromisoformat(due).strftime("%Y-%m-%d %H:%M") if due else "")


def _fatigue_driving(details: Details) -> Sentence:
    since = dt.datetime.fromisoformat(details["driving_since"]).strftime("%Y-%m-%d %H:%M")
    return _say(N_("{subject}: driving {hours:.1f} h since {since} UTC without a {rest:.0f}-minute rest"),
                hours=float(details["driving_s"]) / 3600, since=since, rest=float(details.get("rest_min", 20)))


#: The JT/T 808 alarm flags that become alerts (app/services/terminal_feed.py), as the standard names them.
TERMINAL_ALARMS = {
    "emergency": N_("emergency button pressed"), "power_cut": N_("terminal main power cut"),
    "gnss_antenna_cut": N_("GNSS antenna disconnected"), "gnss_antenna_short": N_("GNSS antenna short-circuited"),
    "gnss_fault": N_("GNSS module fault"), "overspeed": N_("overspeed (terminal)"),
    "fatigue": N_("fatigue driving (terminal)"), "route_deviation": N_("route deviation (terminal)"),
    "area_in_out": N_("entered or left an area (terminal)"), "route_in_out": N_("entered or left a route (terminal)"),
}


def _terminal_alarm(details: Details) -> Sentence:
    return _say(N_("{subject} (terminal {terminal}): {alarm}"), terminal=details["terminal"],
                alarm=Text(TERMINAL_ALARMS[details["alarm"]]))


#: What each responding department is asked to do in an incident (app/services/incidents/notify.py).
INCIDENT_TASKS = {
    "emergency_management": N_("organise the response; isolate and evacuate by the ERG distances"),
    "public_security": N_("cordon off the scene and control the traffic"),
    "transport": N_("divert dangerous-goods vehicles and close the roads"),
    "ecology_environment": N_("monitor the environment and contain the pollution"),
}


def _incident(details: Details) -> Sentence:
    return _say(N_("Dangerous-goods incident {subject} at {where}: {task}"), where=details["where"],
                task=Text(INCIDENT_TASKS[details["department"]]))


def _incident_zone(details: Details) -> Sentence:
    if details["where"] == "inside":
        return _say(N_("{subject}: inside the incident zone {zone}; leave it at once"), zone=details["zone"])
    return _say(N_("{subject}: heading into the incident zone {zone} within the hour; follow the detour"),
                zone=details["zone"])


def _roads(details: Details) -> str:
    """The roads an alert names (the live checks by road, app/services/monitoring/roads.py), as data."""
    return ", ".join(details.get("roads") or [])


def _deviation(details: Details) -> Sentence:
    if _roads(details):
        return _say(N_("{subject}: off the corridor on {roads}, up to {offset:.0f} m"), roads=_roads(details),
                    offset=float(details["max_offset_m"]))
    return _say(N_("{subject}: off the corridor, up to {offset:.0f} m"), offset=float(details["max_offset_m"]))


def _overspeed(details: Details) -> Sentence:
    speed, limit = float(details["max_speed_kph"]), float(details["limit_kph"])
    if _roads(details):
        return _say(N_("{subject}: up to {speed:.0f} km/h on {roads} (limit {limit:.0f})"), speed=speed,
                    roads=_roads(details), limit=limit)
    return _say(N_("{subject}: up to {speed:.0f} km/h (limit {limit:.0f})"), speed=speed, limit=limit)


#: For each kind, its sentence from the alert's details (``{subject}`` filled in by :func:`describe`).
SENTENCES: dict[str, Callable[[Details], Sentence]] = {
    "deviation": _deviation,
    "time_window": _time_window,
    "forbidden_zone": _forbidden_zone,
    "stop": lambda d: _say(N_("{subject}: stopped {minutes:.0f} min outside a permitted place"),
                           minutes=_minutes(d["duration_s"])),
    "signal_gap": _signal_gap,
    "overspeed": _overspeed,
    "arrival_elsewhere": _arrival_elsewhere,
    "major_hazard": _major_hazard,
    "waste_overdue": _waste_overdue,
    "waste_transfer": _waste_transfer,
    "fatigue_driving": _fatigue_driving,
    "terminal_alarm": _terminal_alarm,
    "incident": _incident,
    "incident_zone": _incident_zone,
}


def describe(kind: str, subject: str | None, details: Details | None) -> Text | None:
    """The alert's sentence (English as a ``str``, translatable), or None when its details do not say enough."""
    sentence = SENTENCES.get(str(kind))
    if sentence is None or subject is None:
        return None
    try:
        template, values = sentence(details or {})
        return Text(template, subject=subject, **values)
    except (KeyError, TypeError, ValueError):  # details of an older shape: the stored title still says it
        return None


def alert_title(alert: Any) -> str:
    """*alert*'s title in the current reader's language from its current details; its stored title when the
    details cannot say it."""
    made = describe(alert.kind, alert.subject, alert.details)
    return alert.title if made is None else localize(made)


def alert_title_html(alert: Any) -> Markup | str:
    """:func:`alert_title` for a page: its subject and figures marked as data; a stored title as it is, data."""
    made = describe(alert.kind, alert.subject, alert.details)
    return Markup('<span translate="no">{}</span>').format(alert.title) if made is None else localize_html(made)
