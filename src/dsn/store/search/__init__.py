"""FHIR search over the index tables: parse the query, compile it to SQL, page the results."""
