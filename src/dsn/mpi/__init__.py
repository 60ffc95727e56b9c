"""Patient identity (master patient index): NAM rules, matching, links and merges.

Matching, from the bottom up:

* ``nam`` — the RAMQ health insurance number: parsing, letters, consistency;
* ``phonetic``, ``nicknames`` — a French-aware phonetic key; FR/EN short forms of names;
* ``features`` — a Patient reduced to normalized names, birth date, sex, NAM, postal
  codes and phones (what the index stores and comparisons read);
* ``compare`` — agreement level per field for a pair (typos, transposed dates, maiden
  names, swapped names, nicknames…);
* ``blocking`` — the keys that decide which patients are compared at all;
* ``scoring`` — Fellegi–Sunter weights and their EM estimate; ``grades`` — thresholds
  and guard rules → certain / probable / possible / certainly-not;
* ``index`` — the ``mpi_*`` tables, kept in step with Patient writes (``index_patient``),
  ``rebuild``; ``parameters`` — trained or default model in force;
* ``match`` — ``$match`` without HTTP; ``dedupe`` — whole-index scan → review list;
  ``training`` — ``dsn mpi train``;
* ``corruption``, ``population`` — synthetic duplicates with known truth, for the
  benchmark (``bench/mpi.py``) and the tests.
"""
