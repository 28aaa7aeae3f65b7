"""Dangerous-goods incidents: the ERG zones around them, who is in danger, keeping traffic away, telling the
departments that respond (docs/incidents.md)."""
