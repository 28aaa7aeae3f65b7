"""SQLAlchemy models. No Flask import and no I/O beyond the session (DESIGN.md)."""
from models.base import Base
from models.catalogue import Chemical, ControlLevel
from models.enterprise import Enterprise, EnterpriseRole
from models.fleet import CrewRole, Person, Vehicle, VehicleKind
from models.permits import Permit, PermitKind
from models.sites import Site, SiteKind
from models.users import ApiToken, Department, Role, User

__all__ = [
    "ApiToken", "Base", "Chemical", "ControlLevel", "CrewRole", "Department", "Enterprise", "EnterpriseRole",
    "Permit", "PermitKind", "Person", "Role", "Site", "SiteKind", "User", "Vehicle", "VehicleKind",
]
