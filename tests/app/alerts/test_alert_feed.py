"""The alert change feed the pages' stream reads: in order, resumable, scoped to what the user may see."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.alert_feed import feed_after, feed_head
from app.services.alerts import acknowledge, raise_alert
from models import AlertKind, Role, Severity
from models.types import utcnow
from tests.factories import make_enterprise, make_user


def test_the_feed_serves_each_change_once_in_order_to_those_who_may_see_it(session: Session) -> None:
    start = feed_head(session)
    firm, other = make_enterprise(session), make_enterprise(session)
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    member, _ = make_user(session, Role.ENTERPRISE, enterprise=firm)
    mine, _ = raise_alert(session, key="feed:mine", kind=AlertKind.STOP, severity=Severity.LOW, title="stop",
                          started_at=utcnow(), enterprise_id=firm.id)
    raise_alert(session, key="feed:theirs", kind=AlertKind.STOP, severity=Severity.LOW, title="stop",
                started_at=utcnow(), enterprise_id=other.id)
    session.commit()
    acknowledge(session, supervisor, mine.id)

    seen, position = feed_after(session, supervisor, start)
    assert [e.data["change"] for e in seen] == ["opened", "opened", "acknowledged"]
    assert position == seen[-1].id == feed_head(session)
    assert feed_after(session, supervisor, position) == ([], position)

    own, _ = feed_after(session, member, start)
    assert [(e.data["id"], e.data["change"]) for e in own] == [(str(mine.id), "opened"), (str(mine.id), "acknowledged")]
    first, position = feed_after(session, supervisor, start, limit=1)
    assert len(first) == 1 and feed_after(session, supervisor, position)[0] == seen[1:]
