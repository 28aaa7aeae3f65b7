"""Cross-province transfer approvals of hazardous waste."""
