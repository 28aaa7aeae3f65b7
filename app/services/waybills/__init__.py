"""E-waybills: one per vehicle per trip (DESIGN.md, "E-waybills")."""
