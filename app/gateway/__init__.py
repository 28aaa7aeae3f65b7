"""The JT/T 808 terminal gateway (docs/gateway.md).

``framing`` and ``messages`` are the protocol, pure and tested on bytes; ``server`` is the asyncio TCP server
that hands positions to the same ingestion as the HTTP API; ``simulator`` is a terminal in software.
"""

#: JT/T 808 assigns no port; the gateway listens on 6808 unless told otherwise.
DEFAULT_PORT = 6808
#: Positions read but not yet stored (waiting, and in the batch being stored) beyond which the gateway stops
#: reading reports: about ten seconds of the 20,000 positions/s aimed at.
QUEUE_LIMIT = 200_000
