"""DSN: Quebec provincial digital health record (FHIR R4)."""

__version__ = "0.1.0"
