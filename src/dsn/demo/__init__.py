"""The two-CIUSSS pilot demo: what ``dsn demo`` seeds, and the names tests rely on.

* :mod:`~dsn.demo.regions` — the 22 regions, the pilot two live;
* :mod:`~dsn.demo.showcase` — the showcase patient (:data:`SHOWCASE`), one fixed chart;
* :mod:`~dsn.demo.population` — synthetic Quebecers of the pilot territories, treated in both;
* :mod:`~dsn.demo.charts` and :mod:`~dsn.demo.callers` — each record written by the facility that made it;
* :mod:`~dsn.demo.casting` — which generated patients play which part;
* :mod:`~dsn.demo.consents` and :mod:`~dsn.demo.duplicates` — consent directives, probable duplicates;
* :mod:`~dsn.demo.accounts` — the demo accounts, their password and TOTP secrets;
* :mod:`~dsn.demo.seed` — the whole seeding, idempotent.

docs/demo.md describes the demo for people. Nothing is imported here: ``dsn --help`` and
the other commands import the CLI module that registers ``dsn demo``, and should not
pay for the record service.
"""
