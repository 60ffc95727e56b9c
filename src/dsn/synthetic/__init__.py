"""Synthetic Quebec patients and their clinical records as FHIR R4 resources."""
