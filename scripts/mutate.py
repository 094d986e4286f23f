"""`make mutate`: mutation testing of the pure core with mutmut, then its score per module.

What is mutated is listed once, in pyproject.toml: the files in `[tool.mutmut] only_mutate`, and
for a file of which only some functions belong to the core, `[tool.iamctl-mutate]
only_functions`. Only the fast tests run (tests/mutation/fast_only.py). Surviving mutants listed
in tests/mutation/equivalent.yaml (with the reason each cannot change behaviour) are counted
apart: score = killed / (mutants - equivalent).

    python scripts/mutate.py [--workers N] [--report-only] [PATTERN...]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # the `mutate` extra installs it on 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = REPO / "tests" / "mutation" / "equivalent.yaml"
MUTMUT = Path(sys.executable).parent / "mutmut"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass(frozen=True)
class Equivalent:
    """A surviving mutant that cannot change behaviour, found by its function and its change
    (not mutmut's number, which shifts when the function gains a mutant)."""

    function: str  # e.g. reconciler.core.policy.documents._normalise_document
    was: str  # the removed lines, stripped and joined by one space
    now: str  # the added lines, likewise
    reason: str


def targets() -> dict[str, list[str]]:
    """Each file to mutate and the mutant-name patterns that select its mutants."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]
    only_functions = config.get("iamctl-mutate", {}).get("only_functions", {})
    patterns = {}
    for path in config["mutmut"]["only_mutate"]:
        module = path.removesuffix(".py").replace("/", ".")
        functions = only_functions.get(path)
        patterns[path] = (
            [f"{module}.x_{name}__mutmut_*" for name in functions] if functions else [f"{module}.*"]
        )
    return patterns


def run_mutmut(patterns: list[str], workers: int, log: Path) -> None:
    env = {**os.environ, "PYTHONPATH": "tests/mutation"}
    command = [str(MUTMUT), "run", "--max-children", str(workers), *patterns]
    print(f"mutmut run on {len(patterns)} pattern(s), {workers} worker(s); log: {log}", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(command, cwd=REPO, env=env, stdout=out, stderr=out).returncode
    print(f"mutmut finished in {time.monotonic() - started:.0f} s (exit {code})")
    if code != 0:
        print(log.read_text()[-3000:])
        sys.exit(code)


def statuses(path: str, patterns: list[str]) -> dict[str, str]:
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code

    data = SourceFileMutationData(path=Path(path))
    data.load()
    return {
        name: status_by_exit_code[code]
        for name, code in data.exit_code_by_key.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }


def change_of(name: str, path: str) -> tuple[str, str, str]:
    """(function, was, now) of a mutant, as equivalent.yaml keys it."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    lines = get_diff_for_mutant(name, path=path).splitlines()[2:]
    was = " ".join(line[1:].strip() for line in lines if line.startswith("-"))
    now = " ".join(line[1:].strip() for line in lines if line.startswith("+"))
    module, _, rest = name.rpartition(".x_")
    return f"{module}.{rest.rpartition('__mutmut_')[0]}", was, now


def load_equivalents() -> list[Equivalent]:
    entries: list[dict[str, Any]] = yaml.safe_load(EQUIVALENT_FILE.read_text()) or []
    return [Equivalent(**entry) for entry in entries]


def report(all_targets: dict[str, list[str]]) -> None:
    equivalents = {(e.function, e.was, e.now): e for e in load_equivalents()}
    used: set[tuple[str, str, str]] = set()
    rows, survivors, listed_but_killed = [], [], []
    for path, patterns in all_targets.items():
        counts: Counter[str] = Counter()
        for name, status in sorted(statuses(path, patterns).items()):
            key = change_of(name, path) if status != "not checked" else None
            if key in equivalents:
                used.add(key)
            if status in KILLED:
                counts["killed"] += 1
                if key in equivalents:
                    listed_but_killed.append(name)
            elif status == "not checked":
                counts["not checked"] += 1
            elif key in equivalents:
                counts["equivalent"] += 1
            else:
                counts["survived"] += 1
                survivors.append(name)
        rows.append((path, counts))
    print_table(rows)
    print_leftovers(survivors, listed_but_killed, set(equivalents) - used)


def score(counts: Counter[str]) -> str:
    judged = counts["killed"] + counts["survived"]
    return f"{100 * counts['killed'] / judged:.1f}%" if judged else "-"


def print_table(rows: list[tuple[str, Counter[str]]]) -> None:
    header = ("module", "mutants", "killed", "equivalent", "survived", "not run", "score")
    print("\n{:<28} {:>8} {:>7} {:>10} {:>8} {:>8} {:>7}".format(*header))
    for path, counts in [*rows, ("overall", sum((c for _, c in rows), Counter()))]:
        print(
            f"{path:<28} {sum(counts.values()):>8} {counts['killed']:>7} "
            f"{counts['equivalent']:>10} {counts['survived']:>8} {counts['not checked']:>8} "
            f"{score(counts):>7}"
        )
    print("score = killed / (mutants - equivalent - not run)")


def print_leftovers(survivors: list[str], listed_but_killed: list[str], unused: set[Any]) -> None:
    if survivors:
        print(f"\n{len(survivors)} surviving mutant(s) (see each with: mutmut show NAME):")
        print("\n".join(f"  {name}" for name in survivors))
    for name in listed_but_killed:
        print(f"listed as equivalent but killed, remove it from {EQUIVALENT_FILE.name}: {name}")
    for function, was, now in sorted(unused):
        print(f"{EQUIVALENT_FILE.name}: no surviving mutant of {function} turns {was!r} into")
        print(f"    {now!r}: update or remove the entry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="print the last run's score")
    parser.add_argument(
        "only", nargs="*", help="mutant-name patterns, e.g. 'reconciler.core.diff.diff.*'"
    )
    args = parser.parse_args()
    os.chdir(REPO)
    all_targets = targets()
    if not args.report_only:
        patterns = args.only or [p for group in all_targets.values() for p in group]
        (REPO / "mutants").mkdir(exist_ok=True)
        run_mutmut(patterns, args.workers, REPO / "mutants" / "run.log")
    report(all_targets)


if __name__ == "__main__":
    main()
