"""Merkle trees over entry hashes, and inclusion proofs an auditor checks offline.

Offline procedure (what ``hazledger ledger verify-proof FILE`` does, using only the file):

1. ``sha256(entry.canonical)`` must equal ``entry.hash`` (the canonical form is documented in ``chain.py``);
2. start from ``leaf = sha256(0x00 || bytes.fromhex(entry.hash))``; for each step of ``path`` in order,
   ``node = sha256(0x01 || sibling || node)`` when ``side`` is ``left``, else ``sha256(0x01 || node || sibling)``;
   the result must equal ``checkpoint.merkle_root``;
3. the ed25519 signature ``checkpoint.signature`` must verify, under ``checkpoint.public_key``, the UTF-8 bytes
   of ``checkpoint.signed_message`` (sorted-key compact JSON of first_sequence, last_sequence, merkle_root,
   created_at, key_id), and that message must name the same root.
Compare ``checkpoint.key_id``/``public_key`` with the key the authority published. The 0x00/0x01 prefixes
keep a leaf from passing for an inner node (RFC 6962 style); an odd node is carried up unpaired.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF, NODE = b"\x00", b"\x01"


def leaf_hash(entry_hash_hex: str) -> bytes:
    return hashlib.sha256(LEAF + bytes.fromhex(entry_hash_hex)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    return paired + [level[-1]] if len(level) % 2 else paired


def merkle_root(entry_hashes: Sequence[str]) -> str:
    """The root over the entries' hashes, in sequence order."""
    if not entry_hashes:
        raise ValueError("a Merkle tree needs at least one leaf")
    level = [leaf_hash(h) for h in entry_hashes]
    while len(level) > 1:
        level = _next_level(level)
    return level[0].hex()


def inclusion_path(entry_hashes: Sequence[str], index: int) -> list[dict[str, str]]:
    """The siblings from leaf *index* up to the root, each with the side it sits on."""
    level = [leaf_hash(h) for h in entry_hashes]
    path = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append({"side": "left" if sibling < index else "right", "hash": level[sibling].hex()})
        level, index = _next_level(level), index // 2
    return path


def root_from_path(entry_hash_hex: str, path: Sequence[dict[str, str]]) -> str:
    node = leaf_hash(entry_hash_hex)
    for step in path:
        sibling = bytes.fromhex(step["hash"])
        node = _node(sibling, node) if step["side"] == "left" else _node(node, sibling)
    return node.hex()
