"""The names of enumeration members (statuses, kinds, roles), in English, the catalogues' source text.

Each name is a catalogue message in the context of its group (``msgctxt "status"``): the same English may
need different Chinese in different groups. :func:`app.i18n.label` shows them.
"""
from __future__ import annotations


def L_(group: str, name: str) -> str:  # noqa: N802 - a gettext-style extraction marker (msgctxt, msgid)
    """*name* unchanged: marks the English name of a member of *group* for the catalogues."""
    return name


#: group -> value -> English name
LABELS: dict[str, dict[str, str]] = {
    "role": {
        "admin": L_("role", "Administrator"),
        "supervisor": L_("role", "Supervisor"),
        "auditor": L_("role", "Auditor"),
        "enterprise": L_("role", "Enterprise"),
    },
    "status": {
        "draft": L_("status", "Draft"),
        "submitted": L_("status", "Submitted"),
        "approved": L_("status", "Approved"),
        "rejected": L_("status", "Rejected"),
        "in_transit": L_("status", "In transit"),
        "delivered": L_("status", "Delivered"),
        "closed": L_("status", "Closed"),
        "cancelled": L_("status", "Cancelled"),
        "issued": L_("status", "Issued"),
        "awaiting_pass": L_("status", "Awaiting pass"),
    },
    "severity": {
        "low": L_("severity", "Low"),
        "medium": L_("severity", "Medium"),
        "high": L_("severity", "High"),
        "critical": L_("severity", "Critical"),
    },
    "alert_state": {
        "open": L_("alert_state", "Open"),
        "acknowledged": L_("alert_state", "Acknowledged"),
        "closed": L_("alert_state", "Closed"),
    },
    "alert_kind": {
        "deviation": L_("alert_kind", "Deviation"),
        "forbidden_zone": L_("alert_kind", "Forbidden zone"),
        "stop": L_("alert_kind", "Stop"),
        "signal_gap": L_("alert_kind", "Signal gap"),
        "time_window": L_("alert_kind", "Time window"),
        "overspeed": L_("alert_kind", "Overspeed"),
        "arrival_elsewhere": L_("alert_kind", "Arrived elsewhere"),
        "waste_overdue": L_("alert_kind", "Waste stored too long"),
        "major_hazard": L_("alert_kind", "Major hazard source"),
        "waste_transfer": L_("alert_kind", "Waste transfer"),
    },
    "episode": {
        "deviation": L_("episode", "Deviation"),
        "forbidden_zone": L_("episode", "Forbidden zone"),
        "signal_gap": L_("episode", "Signal gap"),
        "stop": L_("episode", "Stop"),
        "time_window": L_("episode", "Time window"),
        "overspeed": L_("episode", "Overspeed"),
    },
    "entry_kind": {
        "produce": L_("entry_kind", "Produce"),
        "receive": L_("entry_kind", "Receive"),
        "transfer": L_("entry_kind", "Transfer"),
        "load": L_("entry_kind", "Load"),
        "unload": L_("entry_kind", "Unload"),
        "consume": L_("entry_kind", "Consume"),
        "transform": L_("entry_kind", "Transform"),
        "split": L_("entry_kind", "Split"),
        "generate_waste": L_("entry_kind", "Generate waste"),
        "dispose": L_("entry_kind", "Dispose"),
        "loss": L_("entry_kind", "Loss"),
        "adjust": L_("entry_kind", "Stocktake adjustment"),
        "reversal": L_("entry_kind", "Reversal"),
    },
    "boundary": {
        "produced": L_("boundary", "Produced"),
        "received": L_("boundary", "Received"),
        "transformed": L_("boundary", "Transformed"),
        "consumed": L_("boundary", "Consumed"),
        "disposed": L_("boundary", "Disposed"),
        "loss": L_("boundary", "Loss"),
        "adjustment": L_("boundary", "Adjustment"),
    },
    "vehicle_kind": {
        "tank": L_("vehicle_kind", "Tank vehicle"),
        "van": L_("vehicle_kind", "Van"),
        "flatbed": L_("vehicle_kind", "Flatbed"),
        "tractor": L_("vehicle_kind", "Tractor"),
        "tank_trailer": L_("vehicle_kind", "Tank trailer"),
        "semi_trailer": L_("vehicle_kind", "Semi-trailer"),
    },
    "risk_level": {
        "red": L_("risk_level", "Major risk"),
        "orange": L_("risk_level", "Considerable risk"),
        "yellow": L_("risk_level", "Moderate risk"),
        "blue": L_("risk_level", "Low risk"),
    },
    "risk_rule": {
        "red": L_("risk_rule", "grade 1 major hazard source"),
        "orange": L_("risk_rule", "grade 2 major hazard source"),
        "yellow": L_("risk_rule", "grade 3 major hazard source"),
        "blue": L_("risk_rule", "grade 4, or not a major hazard source"),
    },
    "hazard_grade": {
        "一级": L_("hazard_grade", "Grade 1"),
        "二级": L_("hazard_grade", "Grade 2"),
        "三级": L_("hazard_grade", "Grade 3"),
        "四级": L_("hazard_grade", "Grade 4"),
    },
    "crew_role": {
        "driver": L_("crew_role", "Driver"),
        "escort": L_("crew_role", "Escort"),
    },
    "relation": {
        "self": L_("relation", "This batch"),
        "upstream": L_("relation", "Upstream"),
        "downstream": L_("relation", "Downstream"),
    },
    "node": {
        "root": L_("node", "Traced batch"),
        "batch": L_("node", "Batch"),
        "transformation": L_("node", "Transformation"),
        "site": L_("node", "Site"),
        "waybill": L_("node", "Waybill in transit"),
        "end": L_("node", "Leaves the ledger"),
    },
    "http": {
        "400": L_("http", "Bad request"),
        "401": L_("http", "Not signed in"),
        "403": L_("http", "Forbidden"),
        "404": L_("http", "Not found"),
        "405": L_("http", "Method not allowed"),
        "409": L_("http", "Conflict"),
        "422": L_("http", "Unprocessable"),
        "429": L_("http", "Too many requests"),
        "500": L_("http", "Server error"),
    },
}
