"""SQLAlchemy models. No Flask import and no I/O beyond the session (DESIGN.md).

A model's module is imported when one of its names is first asked for (``from models import User`` imports
``models.users`` and the modules of the models it relates to, not all of them): a command that uses two tables
does not declare the forty others (issue 18: a tenth of a second each start-up). ``Base`` comes with every model
declared, so ``Base.metadata`` (Alembic, the schema tests) holds every table. Each model module imports the
modules of the models its relationships name, so its mappers configure alone (tests/models/test_lazy_models.py).
"""
from __future__ import annotations

import importlib
from typing import Any

#: Name -> the module that declares it. A new model module adds its line here.
_MODULES: dict[str, str] = {
    **dict.fromkeys(("Alert", "AlertChange", "AlertEvent", "AlertKind", "AlertState", "Severity"), "models.alerts"),
    **dict.fromkeys(("Chemical", "ControlLevel", "TransportEntry"), "models.catalogue"),
    **dict.fromkeys(("Consignment", "ConsignmentLine"), "models.consignments"),
    **dict.fromkeys(("Corridor", "Zone", "ZoneRule"), "models.corridors"),
    **dict.fromkeys(("Enterprise", "EnterpriseRole"), "models.enterprise"),
    **dict.fromkeys(("Account", "AccountKind", "AppendOnlyError", "Batch", "Boundary", "Checkpoint", "EntryKind",
                     "LedgerEntry", "LineageRole"), "models.ledger"),
    **dict.fromkeys(("CrewRole", "Person", "Vehicle", "VehicleKind"), "models.fleet"),
    **dict.fromkeys(("Incident", "IncidentEvent", "IncidentState", "SpillKind"), "models.incidents"),
    **dict.fromkeys(("TripState",), "models.monitoring"),
    **dict.fromkeys(("Permit", "PermitKind", "WasteOperation"), "models.permits"),
    **dict.fromkeys(("Site", "SiteKind"), "models.sites"),
    **dict.fromkeys(("GpsFix",), "models.tracking"),
    **dict.fromkeys(("DesignMaximum", "PopulationChange", "SiteUnit", "UnitKind"), "models.units"),
    **dict.fromkeys(("PendingTransfer", "TransferStatus"), "models.transfers"),
    **dict.fromkeys(("Terminal", "VehicleFix"), "models.terminals"),
    **dict.fromkeys(("ApiToken", "Department", "Role", "User"), "models.users"),
    **dict.fromkeys(("AddedWasteCode", "ManifestStatus", "WasteBatch", "WasteManifest", "WasteManifestEvent",
                     "WasteManifestLine", "WasteTransferApproval"), "models.waste"),
    **dict.fromkeys(("IdempotencyKey", "Waybill", "WaybillEvent", "WaybillLine", "WaybillStatus",
                     "WaybillVersion"), "models.waybills"),
    **dict.fromkeys(("SignInFailure", "WebSession"), "models.web_sessions"),
}


def load_all() -> None:
    """Import every model module: all tables in ``Base.metadata``, all mappers in its registry."""
    for module in sorted(set(_MODULES.values())):
        importlib.import_module(module)


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        from models.base import Base

        return Base
    if name not in _MODULES:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULES[name]), name)


__all__ = [
    "Account", "AccountKind", "ApiToken", "AppendOnlyError", "Base", "Batch", "Boundary", "Checkpoint",
    "Chemical", "ControlLevel", "Corridor", "CrewRole", "Department", "EntryKind", "Enterprise", "EnterpriseRole",
    "LedgerEntry", "LineageRole", "Permit", "PermitKind", "Person", "Role", "Site", "SiteKind", "User", "Vehicle",
    "VehicleKind", "Waybill", "WaybillEvent", "WaybillLine", "WaybillStatus", "WaybillVersion", "Zone", "ZoneRule",
    "GpsFix", "IdempotencyKey", "Alert", "AlertChange", "AlertEvent", "AlertKind", "AlertState", "Severity",
    "TripState", "ManifestStatus", "WasteBatch", "WasteManifest", "WasteManifestEvent", "WasteManifestLine",
    "TransportEntry", "DesignMaximum", "PopulationChange", "SiteUnit", "UnitKind", "AddedWasteCode",
    "PendingTransfer", "TransferStatus", "SignInFailure", "WebSession", "Consignment", "ConsignmentLine",
    "Incident", "IncidentEvent", "IncidentState", "SpillKind",
    "Terminal", "VehicleFix",
    "WasteTransferApproval", "WasteOperation",
]
