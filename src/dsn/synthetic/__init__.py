"""Synthetic Quebec patients and their clinical records as FHIR R4 resources.

Deterministic (seeded ``random.Random``), offline, fictional: for tests, demos and
benchmarks, never a source of real data.  Modules, from the bottom up:

* ``identifiers`` — the identifier and code system URIs the records are written with;
* ``facilities`` — the 22 CISSS/CIUSSS and the pilot hospitals and CLSCs, as Organizations;
* ``names`` — curated Quebec name lists and how names are drawn;
* ``people`` — a :class:`~dsn.synthetic.people.Person` (NAM, address, charts) and its Patient;
* ``catalog`` — the conditions, drugs, allergies, vaccines and lab tests, with their codes;
* ``clinical`` — a person's history: encounters, conditions, labs, drugs, immunizations;
* ``bundles`` — transaction Bundles per person and seeded populations of them.

``bench/generate.py`` measures generation speed.
"""
