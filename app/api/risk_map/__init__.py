"""The risk map of major hazard sources."""
