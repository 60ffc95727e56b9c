"""Synthetic data generation speed: how many FHIR resources per second, per CPU core.

Usage: .venv/bin/python bench/generate.py [--patients 10000] [--per-patient 100]
                                          [--seed 1] [--serialize] [--profile]

Generates ``patients`` transaction Bundles of ``per-patient`` resources each (0 for the
natural history size) over the two pilot regions and prints resources per second.
``--serialize`` includes orjson encoding of every bundle, as a loader writing NDJSON or
POSTing bundles would pay; ``--profile`` prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import orjson

from dsn.synthetic.bundles import iter_patient_bundles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--per-patient", type=int, default=100, help="0: natural size")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--serialize", action="store_true", help="also encode with orjson")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    profiler = cProfile.Profile() if args.profile else None
    resources = 0
    encoded_bytes = 0
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for bundle in iter_patient_bundles(args.seed, args.patients, target_resources_per_patient=args.per_patient or None):
        resources += len(bundle["entry"])
        if args.serialize:
            encoded_bytes += len(orjson.dumps(bundle))
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started

    print(f"patients:    {args.patients}")
    print(f"resources:   {resources} ({resources / args.patients:.1f} per patient)")
    print(f"elapsed:     {elapsed:.2f} s")
    print(f"throughput:  {resources / elapsed:,.0f} resources/s")
    if args.serialize:
        print(f"encoded:     {encoded_bytes / 1e6:.1f} MB ({encoded_bytes / resources:.0f} B/resource)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
