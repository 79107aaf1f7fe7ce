"""Maintenance tools for the fhir_profiles package (not used at run time)."""
