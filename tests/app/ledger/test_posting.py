"""Posting use cases: the rules, the lifecycle, reversals, and that bad input writes nothing."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.services.ledger import lifecycle, transfers
from app.services.ledger.balances import available, available_by_batch, balance, balances
from app.services.ledger.transform import Input, Output, transform
from app.services.waste.codes import Declaration
from models import Account, AccountKind, Batch, EntryKind, LedgerEntry, User
from models.types import utcnow
from tests.app.ledger.conftest import an_hour_ago, departed_waybill, produce
from tests.factories import make_chemical


def count_entries(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


def site_balance(session, site, code, **kw) -> Decimal:
    account = session.scalars(select(Account).where(Account.kind == AccountKind.SITE,
                                                    Account.site_id == site.id)).one()
    batch = session.scalars(select(Batch).where(Batch.code == code)).one()
    return balance(session, account.id, batch.id, **kw)


def test_whole_lifecycle_balances_and_conservation(session, world):
    t0 = an_hour_ago()
    produce(session, world, "B-1", "1000", occurred_at=t0)
    step = dt.timedelta(minutes=1)
    lifecycle.transfer(session, world.as_producer, batch_code="B-1", from_site_id=world.plant.id,
                       to_site_id=world.warehouse.id, quantity=Decimal("600"), occurred_at=t0 + step)
    trip = departed_waybill(session, world)
    lifecycle.load(session, world.as_producer, batch_code="B-1", from_site_id=world.warehouse.id,
                   carrier_id=world.carrier.id, transit_ref=trip.number, quantity=Decimal("0.5"),
                   occurred_at=t0 + 2 * step, document_ref="WB-1")
    sale = transfers.offer(session, world.as_producer, batch_code="B-1", from_site_id=world.warehouse.id,
                           to_site_id=world.buyer_site.id, quantity=Decimal("499.5"), occurred_at=t0 + 2 * step)
    transfers.accept(session, world.buyer_user, sale.id, t0 + 3 * step)
    transform(session, world.as_buyer, site_id=world.buyer_site.id,
              inputs=[Input("B-1", Decimal("400"))],
              outputs=[Output("P-1", make_chemical(session, un_number="1993").id, Decimal("350")),
                       Output("W-1", make_chemical(session, un_number="3082").id, Decimal("50"),
                              waste=Declaration("900-404-06", ("T", "I")))],
              occurred_at=t0 + 4 * step)
    lifecycle.retire(session, world.as_buyer, kind=EntryKind.DISPOSE, batch_code="W-1",
                     site_id=world.buyer_site.id, quantity=Decimal("50"), occurred_at=t0 + 5 * step)
    lifecycle.adjust(session, world.as_producer, batch_code="B-1", site_id=world.plant.id,
                     counted=Decimal("398"), occurred_at=t0 + 6 * step)

    assert site_balance(session, world.plant, "B-1") == Decimal("398.000")
    assert site_balance(session, world.warehouse, "B-1") == Decimal("100.000")
    assert site_balance(session, world.buyer_site, "B-1") == Decimal("99.500")
    assert site_balance(session, world.buyer_site, "P-1") == Decimal("350.000")
    assert site_balance(session, world.buyer_site, "W-1") == Decimal("0.000")
    assert site_balance(session, world.plant, "B-1", as_of=t0 + step / 2) == Decimal("1000.000")
    holdings = balances(session, include_zero=True)
    assert sum(h.balance for h in holdings) == 0  # double entry: conservation by construction
    assert all(e.sequence == n for n, e in enumerate(
        session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)), start=1))


def test_overspend_is_409_and_writes_nothing(session, world):
    produce(session, world, "B-1", "100")
    before = count_entries(session)
    with pytest.raises(Conflict, match="Insufficient balance: 100.000 kg"):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                         site_id=world.plant.id, quantity=Decimal("100.001"), occurred_at=utcnow())
    assert count_entries(session) == before


def test_backdated_spend_may_not_overdraw_later_history(session, world):
    t0 = an_hour_ago()
    produce(session, world, "B-1", "100", occurred_at=t0)
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                     site_id=world.plant.id, quantity=Decimal("80"), occurred_at=t0 + dt.timedelta(minutes=30))
    account = session.scalars(select(Account).where(Account.site_id == world.plant.id)).one()
    batch_id = session.scalar(select(Batch.id).where(Batch.code == "B-1"))
    assert available(session, account.id, batch_id, t0 + dt.timedelta(minutes=10)) == Decimal("20.000")
    with pytest.raises(Conflict):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                         site_id=world.plant.id, quantity=Decimal("50"), occurred_at=t0 + dt.timedelta(minutes=10))


def test_available_for_several_batches_at_once_is_each_batch_on_its_own(session, world):
    t0 = an_hour_ago()
    produce(session, world, "B-1", "100", occurred_at=t0)
    produce(session, world, "B-2", "40", occurred_at=t0)
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                     site_id=world.plant.id, quantity=Decimal("80"), occurred_at=t0 + dt.timedelta(minutes=30))
    account = session.scalars(select(Account).where(Account.site_id == world.plant.id)).one()
    ids = dict(session.execute(select(Batch.code, Batch.id).where(Batch.code.in_(["B-1", "B-2"]))).all())
    for at in (t0 + dt.timedelta(minutes=10), utcnow()):
        together = available_by_batch(session, account.id, [ids["B-1"], ids["B-2"], ids["B-1"]], at)
        assert together == {batch_id: available(session, account.id, batch_id, at) for batch_id in ids.values()}
    assert together == {ids["B-1"]: Decimal("20.000"), ids["B-2"]: Decimal("40.000")}
    nowhere = uuid.uuid4()  # an account without entries holds nothing
    assert available_by_batch(session, nowhere, [ids["B-1"]], utcnow()) == {ids["B-1"]: Decimal("0.000")}


@pytest.mark.parametrize("change, error", [
    ({"quantity": Decimal("0")}, ValidationFailed),
    ({"quantity": Decimal("-5")}, ValidationFailed),
    ({"occurred_at": utcnow() + dt.timedelta(days=1)}, ValidationFailed),
    ({"batch_code": "NOPE"}, ValidationFailed),
])
def test_bad_input_writes_nothing(session, world, change, error):
    produce(session, world, "B-1", "100")
    before = count_entries(session)
    args = {"batch_code": "B-1", "site_id": world.plant.id, "quantity": Decimal("1"), "occurred_at": utcnow()}
    with pytest.raises(error):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, **{**args, **change})
    assert count_entries(session) == before


def test_spending_from_someone_elses_site_is_refused(session, world):
    produce(session, world, "B-1", "100")
    with pytest.raises(ValidationFailed, match="No batch 'B-1'"):  # a batch it never held: as if none
        lifecycle.transfer(session, world.as_buyer, batch_code="B-1", from_site_id=world.plant.id,
                           to_site_id=world.buyer_site.id, quantity=Decimal("10"), occurred_at=utcnow())
    sold = transfers.offer(session, world.as_producer, batch_code="B-1", from_site_id=world.plant.id,
                           to_site_id=world.buyer_site.id, quantity=Decimal("10"), occurred_at=an_hour_ago())
    transfers.accept(session, session.get(User, world.buyer_user.id), sold.id)  # now a batch the buyer knows
    # Another enterprise's site is answered as a site that does not exist (docs/isolation.md).
    with pytest.raises(ValidationFailed, match="No active site") as spending:
        lifecycle.transfer(session, world.as_buyer, batch_code="B-1", from_site_id=world.plant.id,
                           to_site_id=world.buyer_site.id, quantity=Decimal("10"), occurred_at=utcnow())
    assert spending.value.errors == {"from_site_id": ["unknown or inactive site"]}
    with pytest.raises(ValidationFailed, match="No active site"):
        lifecycle.introduce(session, world.as_buyer, kind=EntryKind.PRODUCE, code="B-2",
                            chemical_id=world.chemical.id, site_id=world.plant.id, quantity=Decimal("1"),
                            occurred_at=utcnow())


def test_duplicate_batch_code_is_409(session, world):
    produce(session, world, "B-1", "100")
    with pytest.raises(Conflict, match="already in use"):
        produce(session, world, "B-1", "100")


def test_reversal_points_at_the_original_once_and_never_at_a_reversal(session, world):
    produce(session, world, "B-1", "100")
    consumed = lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                                site_id=world.plant.id, quantity=Decimal("30"), occurred_at=utcnow())[0]
    reversal = lifecycle.reverse(session, world.as_producer, entry_id=consumed.id, occurred_at=utcnow())[0]
    assert reversal.reverses_id == consumed.id and reversal.kind is EntryKind.REVERSAL
    assert site_balance(session, world.plant, "B-1") == Decimal("100.000")
    with pytest.raises(Conflict, match="already been reversed"):
        lifecycle.reverse(session, world.as_producer, entry_id=consumed.id, occurred_at=utcnow())
    with pytest.raises(Conflict, match="cannot be reversed"):
        lifecycle.reverse(session, world.as_producer, entry_id=reversal.id, occurred_at=utcnow())
    with pytest.raises(NotFound):
        lifecycle.reverse(session, world.as_buyer, entry_id=consumed.id, occurred_at=utcnow())


def test_reversal_cannot_overdraw(session, world):
    produced = lifecycle.introduce(session, world.as_producer, kind=EntryKind.PRODUCE, code="B-1",
                                   chemical_id=world.chemical.id, site_id=world.plant.id,
                                   quantity=Decimal("100"), occurred_at=an_hour_ago())[0]
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                     site_id=world.plant.id, quantity=Decimal("1"), occurred_at=utcnow())
    with pytest.raises(Conflict, match="Insufficient"):
        lifecycle.reverse(session, world.as_producer, entry_id=produced.id, occurred_at=utcnow())


def test_split_conserves_and_records_lineage(session, world):
    produce(session, world, "B-1", "100")
    entries = transform(session, world.as_producer, site_id=world.plant.id, split=True,
                        inputs=[Input("B-1", Decimal("60"))],
                        outputs=[Output("B-1a", None, Decimal("20")), Output("B-1b", None, Decimal("40"))],
                        occurred_at=utcnow())
    assert {e.lineage_role.value for e in entries} == {"input", "output"}
    assert len({e.transformation_id for e in entries}) == 1
    children = session.scalars(select(Batch).where(Batch.code.in_(["B-1a", "B-1b"]))).all()
    assert {c.chemical_id for c in children} == {world.chemical.id}
    with pytest.raises(ValidationFailed, match="not well formed"):
        transform(session, world.as_producer, site_id=world.plant.id, split=True,
                  inputs=[Input("B-1", Decimal("10"))], outputs=[Output("B-1c", None, Decimal("9"))],
                  occurred_at=utcnow())


def test_transform_with_unknown_input_writes_nothing(session, world):
    before = count_entries(session)
    with pytest.raises(ValidationFailed) as raised:
        transform(session, world.as_producer, site_id=world.plant.id, inputs=[Input("GHOST", Decimal("1"))],
                  outputs=[Output("X-1", world.chemical.id, Decimal("1"))], occurred_at=utcnow())
    assert "inputs.0.batch" in raised.value.errors
    assert count_entries(session) == before
    assert session.scalar(select(Batch.id).where(Batch.code == "X-1")) is None


def test_inactive_enterprise_may_not_post(session, world):
    from app.services.ledger.authorisation import authorise_posting

    world.producer.active = False
    session.commit()
    with pytest.raises(PermissionDenied, match="not active"):
        authorise_posting(session, enterprise_id=world.producer.id, activity="produce",
                          chemical_id=world.chemical.id, on=utcnow().date())
    with pytest.raises(NotFound):
        authorise_posting(session, enterprise_id=world.chemical.id, activity="produce",
                          chemical_id=world.chemical.id, on=utcnow().date())


def test_postings_need_the_permit_for_their_activity(session, world):
    """The registry's permit decision gates every posting: no permit, or an expired one, writes nothing."""
    before = count_entries(session)
    with pytest.raises(PermissionDenied, match="no permit to produce") as raised:
        lifecycle.introduce(session, world.as_buyer, kind=EntryKind.PRODUCE, code="NO-PERMIT",
                            chemical_id=world.chemical.id, site_id=world.buyer_site.id, quantity=Decimal("5"),
                            occurred_at=an_hour_ago())
    assert raised.value.code == "no_permit"
    too_early = an_hour_ago() - dt.timedelta(days=400)  # before the producer's permit was valid
    with pytest.raises(PermissionDenied, match="not yet valid"):
        produce(session, world, code="TOO-EARLY", occurred_at=too_early)
    assert count_entries(session) == before


def test_generating_waste_and_losses_need_no_permit_of_their_own():
    from app.services.ledger.authorisation import PERMITTED_BY

    assert {"generate_waste", "loss", "adjust", "reversal"}.isdisjoint(PERMITTED_BY)
