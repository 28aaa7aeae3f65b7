"""The ledger's small world (a producer with every permit, a buyer, a carrier) serves the hazard tests too."""
from tests.app.ledger.conftest import world  # noqa: F401
