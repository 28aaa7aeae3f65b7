"""SQLAlchemy models. No Flask import and no I/O beyond the session (DESIGN.md)."""
from models.base import Base
from models.enterprise import Enterprise, EnterpriseRole
from models.users import ApiToken, Department, Role, User

__all__ = ["ApiToken", "Base", "Department", "Enterprise", "EnterpriseRole", "Role", "User"]
