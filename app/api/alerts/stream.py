"""The alert stream: Server-Sent Events read from the change feed.

Each read opens a short session of its own, takes the changes after the stream's position (at most 200) and
closes it: the stream holds no connection or transaction while it waits, until an alert change commits in this
process (:mod:`app.services.alert_signal`) or ``ALERT_STREAM_POLL_S`` passes (changes of other processes).
Comments keep idle connections (and proxies) alive; the stream ends after ``ALERT_STREAM_LIFETIME_S`` so that a
server never holds a client for good, and the client resumes with ``Last-Event-ID`` without loss (the feed
commits in order, see :func:`app.services.alert_queries.feed_after`).

Under waitress each open stream occupies one of its threads (``hazledger serve --threads``); waitress sends each
chunk as it is yielded (``send_bytes`` is 1), and ``X-Accel-Buffering: no`` asks a proxy in front not to buffer.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Response, current_app, request, stream_with_context
from sqlalchemy import select

from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import N_
from app.services import alert_queries, alert_signal
from models import User

RETRY_MS = 2000
BATCH = 200


def _last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ValidationFailed("Last-Event-ID must be a feed position (a whole number).",
                               errors={"Last-Event-ID": [N_("a whole number, 0 or more")]})
    return int(raw)


def open_stream(user: User, after: int | None, *, named_by_change: bool = False) -> Response:
    """The streaming response for *user*, from *after* (else ``Last-Event-ID``, else the feed's head).

    Events are all named ``change`` (the API's contract), or by their change (``opened``, ``acknowledged``...)
    when *named_by_change*, as the pages' script listens. Each alert's title is in the reader's language
    (the page's, or the API's ``Accept-Language``). The stream ends early if the user is deactivated.
    """
    position = _last_event_id()
    if position is None:
        position = after if after is not None else alert_queries.feed_head(db.session)
    db.session.close()  # the request's session would otherwise keep a connection for the stream's lifetime
    db.listen_for_alert_changes()
    config = current_app.config
    events = _events(user, position, named_by_change=named_by_change,
                     poll_s=float(config["ALERT_STREAM_POLL_S"]),
                     heartbeat_s=float(config["ALERT_STREAM_HEARTBEAT_S"]),
                     lifetime_s=float(config["ALERT_STREAM_LIFETIME_S"]))
    return Response(stream_with_context(events), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _events(user: User, position: int, *, named_by_change: bool, poll_s: float, heartbeat_s: float,
            lifetime_s: float) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n\n"  # sent at once, so the client sees the stream open
    start = last_sent = time.monotonic()
    while (now := time.monotonic()) - start < lifetime_s:
        seen = alert_signal.CHANGES.count  # before reading: a change committed after the read then wakes the wait
        with db.new_session() as session:
            if not session.scalar(select(User.active).where(User.id == user.id)):
                break
            found, position = alert_queries.feed_after(session, user, position, limit=BATCH)
        for event in found:
            name = event.data["change"] if named_by_change else "change"
            yield f"id: {event.id}\nevent: {name}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"
        if found:
            last_sent = now
            if len(found) == BATCH:
                continue  # more are waiting: no pause
        elif now - last_sent >= heartbeat_s:
            yield ": keep-alive\n\n"
            last_sent = now
        alert_signal.CHANGES.wait(seen, max(0.0, min(poll_s, lifetime_s - (time.monotonic() - start))))
    yield ": the stream ends here; reconnect with Last-Event-ID\n\n"
