"""Transfer manifests of hazardous waste."""
