"""The ledger's use cases, one small module per concern.

- ``units``: user quantities (t, kg, g, L + density) to Decimal kg, by pint.
- ``authorisation``: the one call site where the permit decision joins (:func:`authorise_posting`).
- ``accounts``: the accounts entries move between, opened on first use.
- ``posting``: the rules every posting passes and the transaction holding the chain lock.
- ``lifecycle``: produce, receive, generate waste, transfer/sale, load, unload, consume, dispose, loss,
  stocktake adjustment, reversal.
- ``transform``: transformations and splits, with their lineage.
- ``transfers``: transfers into another enterprise's site, pending until it accepts (then posted) or refuses.
- ``movements``: a posting described as plain data (the HTTP resource) dispatched to its use case.
- ``balances``: balances derived by SQL, as of a time.
- ``chain``: canonical form, hash chain, verification.
- ``merkle``, ``checkpoints``: signed Merkle checkpoints, offline inclusion proofs, ``verify_ledger``.
- ``anchoring``: the signed head auditors keep, and the ledger compared with kept heads and checkpoints.
- ``trace``, ``epcis``: a batch's whole chain, as JSON or as a GS1 EPCIS 2.0 document.
- ``queries``: what a user may see.
"""
