"""The parties a refusal names ("Only the carrier may do this."): their English names as catalogue messages, so a
problem document names them in the reader's language."""
from __future__ import annotations

from app.i18n import N_, Text

#: A waybill's, a waste manifest's and a transfer's parties, by the name the services give them.
PARTIES = {"shipper": N_("shipper"), "consignee": N_("consignee"), "carrier": N_("carrier"),
           "generator": N_("generator"), "disposer": N_("disposer"), "sender": N_("sender"),
           "receiver": N_("receiver")}


def party_name(party: str) -> Text:
    """*party*'s name as a message: its English as a ``str``, translated where it is shown."""
    return Text(PARTIES.get(party, party))
