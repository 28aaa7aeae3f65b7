"""What every registry resource shares: who sees a record, who may change it, listing, update, retirement.

Records are never deleted (ledger entries and waybills refer to them): they are deactivated, or for permits
revoked. Each resource module describes itself with a :class:`Registry` and supplies its own rules as a
``check`` hook; this module applies them the same way everywhere, inside one unit of work.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from models import Enterprise, Role, User
from models.base import Base  # the bound of M only: not every model declared (models/__init__.py)

M = TypeVar("M", bound=Base)
#: A resource's own rules: ``check(session, changes, record_or_None) -> changes`` raises ValidationFailed
#: or Conflict, or returns the values to write (possibly derived: a hash, a normalized form).
Check = Callable[[Session, dict[str, Any], Any], dict[str, Any]]


def _pass(_session: Session, data: dict[str, Any], _record: Any) -> dict[str, Any]:
    return data


@dataclass(frozen=True)
class Registry(Generic[M]):
    model: type[M]
    label: str
    order_by: tuple[Any, ...]
    #: The column naming the enterprise a record belongs to; an enterprise user sees only its own.
    scope: InstrumentedAttribute[Any] | None = None
    #: Query filters by name: each turns a (non-empty) value into a WHERE clause.
    filters: Mapping[str, Callable[[Any], ColumnElement[bool]]] = field(default_factory=dict)
    #: Field groups whose values no two records may share.
    unique: tuple[tuple[str, ...], ...] = ()
    check: Check = _pass
    #: What retiring a record writes.
    retired: Mapping[str, Any] = field(default_factory=lambda: {"active": False})
    #: What registering a record brings with it (a site's default unit), in the same unit of work.
    after_create: Callable[[Session, Any], None] | None = None

    @property
    def owner_field(self) -> str | None:
        """The payload field naming the owning enterprise; None for an enterprise, which owns itself."""
        return None if self.scope is None or self.scope.key == "id" else self.scope.key


def json_list_has(column: InstrumentedAttribute[Any], value: str) -> ColumnElement[bool]:
    """Whether a JSON list of plain strings holds *value*; portable (SQLite, PostgreSQL ``json``).

    Matches the quoted element in the stored text, so ``"user"`` never matches ``"waste_user"``.
    """
    return cast(column, String).contains(f'"{value}"', autoescape=True)


def owned_filters(owner: InstrumentedAttribute[Any], active: InstrumentedAttribute[bool],
                  name: InstrumentedAttribute[str]) -> dict[str, Callable[[Any], ColumnElement[bool]]]:
    """The filters every enterprise-owned resource offers: owner, active flag, name substring."""
    return {
        "enterprise": lambda enterprise_id: owner == enterprise_id,
        "active": lambda flag: active == flag,
        "q": lambda text: name.contains(text, autoescape=True),
    }


def visible(reg: Registry[M], user: User | None, filters: Mapping[str, Any] | None = None) -> Select[tuple[M]]:
    """The records *user* may see (all for the authorities, only its own for an enterprise user), filtered."""
    filters = {name: value for name, value in (filters or {}).items() if value not in (None, "")}
    _refuse_nul(filters)
    stmt = select(reg.model).order_by(*reg.order_by)
    if user is not None and user.role is Role.ENTERPRISE and reg.scope is not None:
        stmt = stmt.where(reg.scope == user.enterprise_id)
    clauses = [reg.filters[name](value) for name, value in filters.items()]
    return stmt.where(and_(*clauses)) if clauses else stmt


#: Each registry's 404, one sentence per kind of record (a language puts the kind's word where its grammar wants).
NOT_FOUND = {"chemical": N_("No chemical {id}."), "enterprise": N_("No enterprise {id}."),
             "vehicle": N_("No vehicle {id}."), "person": N_("No person {id}."), "permit": N_("No permit {id}."),
             "site": N_("No site {id}.")}


def get(session: Session, reg: Registry[M], user: User | None, record_id: uuid.UUID) -> M:
    """One record; NotFound also when it exists but belongs to another enterprise."""
    record = session.scalars(visible(reg, user).where(reg.model.id == record_id)).one_or_none()  # type: ignore
    if record is None:
        raise NotFound(Text(NOT_FOUND[reg.label], id=record_id))
    return record


def create(session: Session, reg: Registry[M], data: dict[str, Any], *, user: User | None = None) -> M:
    """Register a record; an enterprise user registers only for its own enterprise."""
    with unit_of_work(session):
        data = _prepare(session, reg, dict(data), None, user)
        record = reg.model(**data)
        session.add(record)
        if reg.after_create is not None:
            session.flush()
            reg.after_create(session, record)
    return record


def update(session: Session, reg: Registry[M], user: User | None, record_id: uuid.UUID,
           changes: dict[str, Any]) -> M:
    with unit_of_work(session):
        record = get(session, reg, user, record_id)
        for name, value in _prepare(session, reg, dict(changes), record, user).items():
            setattr(record, name, value)
    return record


def retire(session: Session, reg: Registry[M], user: User | None, record_id: uuid.UUID) -> M:
    """Deactivate (or revoke) a record; doing it twice is harmless."""
    with unit_of_work(session):
        record = get(session, reg, user, record_id)
        for name, value in reg.retired.items():
            setattr(record, name, value)
    return record


def current(data: Mapping[str, Any], record: Any, name: str, default: Any = None) -> Any:
    """A field's value after the change: the new one when given, else the record's (for cross-field rules)."""
    if name in data:
        return data[name]
    return getattr(record, name) if record is not None else default


def _prepare(session: Session, reg: Registry[M], data: dict[str, Any], record: M | None,
             user: User | None) -> dict[str, Any]:
    _refuse_nul(data)
    if reg.owner_field and record is None:
        _check_owner(session, reg.owner_field, data, user)
    data = reg.check(session, data, record)
    for fields in reg.unique:
        _check_unique(session, reg, fields, data, record)
    return data


def _refuse_nul(values: Mapping[str, Any]) -> None:
    """PostgreSQL cannot store or compare text with a NUL character: refuse it as bad input, not a 500."""
    bad = [name for name, value in values.items()
           if any(isinstance(v, str) and "\0" in v for v in (value if isinstance(value, list) else [value]))]
    if bad:
        raise ValidationFailed("Text must not contain NUL characters.",
                               errors={name: [N_("contains a NUL character")] for name in bad})


def _check_owner(session: Session, owner_field: str, data: dict[str, Any], user: User | None) -> None:
    """Fill in or verify the owning enterprise: it must exist, be active, and be the user's own."""
    if user is not None and user.role is Role.ENTERPRISE:
        owner_id = data.setdefault(owner_field, user.enterprise_id)
        if owner_id != user.enterprise_id:
            raise ValidationFailed("The record must belong to your enterprise.", errors={
                owner_field: [N_("an enterprise user registers records only for its own enterprise")]})
    owner_id = data.get(owner_field)
    if owner_id is None:
        raise ValidationFailed("The owning enterprise is missing.", errors={owner_field: [N_("required")]})
    enterprise = session.get(Enterprise, owner_id)
    if enterprise is None or not enterprise.active:
        reason = f"no enterprise {owner_id}" if enterprise is None else f"enterprise {owner_id} is inactive"
        raise ValidationFailed("The owning enterprise cannot hold records.", errors={owner_field: [reason]})


def _check_unique(session: Session, reg: Registry[M], fields: tuple[str, ...], data: dict[str, Any],
                  record: M | None) -> None:
    if not any(name in data for name in fields):
        return
    values = {name: current(data, record, name) for name in fields}
    stmt = select(reg.model.id).where(*(getattr(reg.model, n) == v for n, v in values.items()))  # type: ignore
    if record is not None:
        stmt = stmt.where(reg.model.id != record.id)  # type: ignore[attr-defined]
    if session.scalar(stmt.limit(1)) is not None:
        shown = ", ".join(str(v) for v in values.values())
        raise Conflict(Text("A {label} with {shown} is already registered.", label=reg.label, shown=shown),
                       errors={fields[-1]: [N_("already registered")]})
