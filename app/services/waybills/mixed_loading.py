"""Mixed loading: which goods must not travel in the same vehicle.

We apply ADR 7.5.2.1 (mirrored by JT/T 617.6 in China): packages of class 1 (explosives) must not be loaded
with goods of other classes, except those of division 1.4; goods of other classes may be loaded together.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cargo:
    line: int
    hazard_class: str
    classification_code: str | None = None

    @property
    def explosive_division(self) -> str | None:
        """``1.1`` … ``1.6`` for class 1 goods, None for the rest."""
        if self.hazard_class.split(".")[0] != "1":
            return None
        code = self.classification_code or self.hazard_class
        return code[:3] if len(code) >= 3 else "1.1"  # unknown division: assume the most dangerous


def mixed_loading_conflicts(cargo: Sequence[Cargo]) -> list[tuple[int, int, str]]:
    """Pairs of lines that must not travel together, with the reason; empty when the load is allowed."""
    conflicts = []
    for i, a in enumerate(cargo):
        for b in cargo[i + 1:]:
            reason = _conflict(a, b) or _conflict(b, a)
            if reason:
                conflicts.append((a.line, b.line, reason))
    return conflicts


def _conflict(explosive: Cargo, other: Cargo) -> str | None:
    division = explosive.explosive_division
    if division is None or division == "1.4" or other.explosive_division is not None:
        return None
    return (f"explosives of division {division} may not be loaded with class {other.hazard_class} goods "
            "(ADR 7.5.2.1)")
