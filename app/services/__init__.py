"""Use cases. Each takes a session and plain values, and owns its transaction (see :func:`unit_of_work`)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit what the block did, or roll all of it back if it raises: never a partial write."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
