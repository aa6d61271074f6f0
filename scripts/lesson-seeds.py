#!/usr/bin/env python3
"""Runs lessons on many seeds with the native CLI and shows which claims hold on which seed:
a claim that fails on some seed is a claim about that seed, and a change to the engine's last
bits (another exp, another GEMM blocking) is a new draw of every training run.

Usage: python3 scripts/lesson-seeds.py [--seeds FROM-TO] [--cli PATH] LESSON.json...
  --seeds  the seeds to run (default 1-20)
  --cli    the gradlab binary (default build/native-release/bindings/cli/gradlab)

Per lesson it prints one line per seed (each expectation's value, '!' after a failed one),
then each expectation's range over the seeds and how many seeds it failed on. Exits 1 when
any claim failed on any seed."""
import json
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent


def usage(message):
    print(f"lesson-seeds: {message}\n\n{__doc__}", file=sys.stderr)
    sys.exit(2)


def main(argv):
    seeds, cli, files = range(1, 21), root / "build/native-release/bindings/cli/gradlab", []
    args = iter(argv)
    for a in args:
        if a == "--seeds":
            spec = next(args, None)
            try:
                lo, hi = (int(x) for x in (spec or "").split("-"))
            except ValueError:
                usage(f"--seeds expects FROM-TO (e.g. 1-20), found {spec!r}")
            if not 0 <= lo <= hi:
                usage(f"--seeds expects 0 <= FROM <= TO, found {spec!r}")
            seeds = range(lo, hi + 1)
        elif a == "--cli":
            cli = pathlib.Path(next(args, "") or usage("--cli expects a path"))
        elif a.startswith("-"):
            usage(f"unknown option {a!r}")
        else:
            files.append(a)
    if not files:
        usage("no lesson file given")
    if not cli.is_file():
        usage(f"no gradlab binary at {cli} (build it: cmake --build --preset native-release)")
    any_failed = False
    for f in files:
        claims = {}  # pointer -> (what, values, failed seeds)
        print(f"== {f}")
        for seed in seeds:
            r = subprocess.run([str(cli), "lesson", f, "--seed", str(seed), "--json"], capture_output=True, text=True)
            try:
                run = json.loads(r.stdout)["runs"][0]
            except (ValueError, KeyError, IndexError):
                print(f"  seed {seed}: gradlab lesson exited {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}")
                any_failed = True
                continue
            cells = []
            for step in run["steps"]:
                for e in step["expectations"]:
                    what, value, ok = e["what"], e.get("value"), e["pass"]
                    entry = claims.setdefault(e["pointer"], (what, e.get("expected", ""), [], []))
                    if isinstance(value, (int, float)):
                        entry[2].append(value)
                    if not ok:
                        entry[3].append(seed)
                    cells.append(f"{value:.3g}{'' if ok else '!'}" if isinstance(value, (int, float)) else "?!")
            print(f"  seed {seed:>3}: {' '.join(cells)}")
        for pointer, (what, expected, values, failed) in claims.items():
            span = f"{min(values):.3g} to {max(values):.3g}" if values else "not measured"
            verdict = f"failed on seeds {', '.join(map(str, failed))}" if failed else "held on every seed"
            print(f"  {pointer}: {what} ({expected}): {span}; {verdict}")
            any_failed |= bool(failed)
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
