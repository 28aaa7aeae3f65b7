"""The ADR 2017 / JT/T 617 dangerous-goods rules as pure functions over Table A entries.

No Flask, no ORM: :mod:`.entries` reads Table A (a CSV file or rows from the catalogue), :mod:`.document_line`
writes the transport-document line (ADR 5.4.1.1.1), :mod:`.mixed_loading` decides whether packages may share a
vehicle (ADR 7.5.2.1, 7.5.2.2) and :mod:`.tunnels` gives a load's tunnel restriction code (ADR 8.6.3, 8.6.4).
JT/T 617.3-2018 (China's road dangerous-goods list) is based on ADR 2017, so the paragraphs cited are ADR's.
"""
