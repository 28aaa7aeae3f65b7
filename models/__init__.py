"""SQLAlchemy models. No Flask import and no I/O beyond the session (DESIGN.md)."""
from models.alerts import Alert, AlertChange, AlertEvent, AlertKind, AlertState, Severity
from models.base import Base
from models.catalogue import Chemical, ControlLevel, TransportEntry
from models.consignments import Consignment, ConsignmentLine
from models.corridors import Corridor, Zone, ZoneRule
from models.enterprise import Enterprise, EnterpriseRole
from models.ledger import (
    Account, AccountKind, AppendOnlyError, Batch, Boundary, Checkpoint, EntryKind, LedgerEntry, LineageRole,
)
from models.fleet import CrewRole, Person, Vehicle, VehicleKind
from models.incidents import Incident, IncidentEvent, IncidentState, SpillKind
from models.monitoring import TripState
from models.permits import Permit, PermitKind
from models.sites import Site, SiteKind
from models.tracking import GpsFix
from models.units import DesignMaximum, PopulationChange, SiteUnit, UnitKind
from models.transfers import PendingTransfer, TransferStatus
from models.terminals import Terminal, VehicleFix
from models.users import ApiToken, Department, Role, User
from models.waste import (
    AddedWasteCode, ManifestStatus, WasteBatch, WasteManifest, WasteManifestEvent, WasteManifestLine,
)
from models.waybills import IdempotencyKey, Waybill, WaybillEvent, WaybillLine, WaybillStatus, WaybillVersion
from models.web_sessions import SignInFailure, WebSession

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
]
