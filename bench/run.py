"""`make bench`: shows that a plan's cost grows with pages and changes, not with users.

Against a moto server (child process), for accounts of 500, 2,000 and 5,000 users with one role
per 5 users (1,000 roles at 5,000): `iamctl plan` in sync and with 1% of the users drifted, next
to the floor (the same reads made with bare boto3, bench/floor.py) and a per-resource refresh (8
calls per user); CPU time of everything plan does after reading; `iamctl apply` of 500 new users
at parallelism 1 and 8; `iamctl plan` over 50 accounts of 200 users (and 40 roles) at once and
one account after another; an in-sync plan of an Identity Center organisation (40 permission
sets, 120 accounts, 300 assignments; +20 ms per call, 20 calls a second enforced) against the
floor of its reads. Prints a table, the ratios, and PASS/FAIL per target. Usage:

    .venv/bin/python bench/run.py [--sizes 500,2000,5000] [--full-refresh] ...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from bench import accounts, applying, cpu, identity_center, many, plans, refresh  # noqa: E402
from bench.report import Row, machine, table  # noqa: E402
from bench.server import Emulator, start_emulator  # noqa: E402
from bench.targets import Results, SizeResult, notes, ratio_lines, targets  # noqa: E402


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    apply_users: int
    latency: float  # seconds added to each call in the second pair of apply runs; 0: skip them
    refresh_sample: int  # users refreshed per account (0: all)
    repeat: int  # runs of each in-sync plan (the fastest counts)
    drift: float  # share of the users changed out of band
    accounts: int  # in the many-accounts run (0: skip it)
    account_users: int  # users in each of those accounts
    organisation: identity_center.Shape | None  # the Identity Center organisation (None: skip)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,2000,5000", help="account sizes, in users")
    parser.add_argument("--apply-users", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=20.0,
                        help="added to every call in a second pair of apply runs (0: skip)")
    parser.add_argument("--refresh-sample", type=int, default=1000,
                        help="users refreshed per account, spread evenly, time scaled up")
    parser.add_argument("--full-refresh", action="store_true", help="refresh every user")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each in-sync plan")
    parser.add_argument("--drift", type=float, default=0.01,
                        help="share of the users changed out of band (at least one)")
    parser.add_argument("--accounts", type=int, default=50,
                        help="accounts in the many-accounts run (0: skip it)")
    parser.add_argument("--account-users", type=int, default=200,
                        help="users in each account of the many-accounts run")
    parser.add_argument("--org", default="120,40,300",
                        help="the Identity Center organisation: accounts, permission sets, "
                        "assignments (0: skip it)")
    args = parser.parse_args(argv)
    org = [int(n) for n in args.org.split(",")]
    return Options(
        sizes=tuple(sorted(int(size) for size in args.sizes.split(","))),
        apply_users=args.apply_users,
        latency=args.latency_ms / 1000,
        refresh_sample=0 if args.full_refresh else args.refresh_sample,
        repeat=max(1, args.repeat),
        drift=args.drift,
        accounts=args.accounts,
        account_users=args.account_users,
        organisation=identity_center.Shape(*org) if org != [0] else None,
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def iam_client(url: str) -> Any:
    return boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.monotonic()
    before = machine()
    progress(f"bench on {before}")
    emulator = start_emulator()
    try:
        with tempfile.TemporaryDirectory(prefix="iamctl-bench-") as workdir:
            results = run_all(emulator, options, Path(workdir))
    except (plans.BenchError, identity_center.OrgError) as error:
        progress(f"bench stopped: {error}")
        return 1
    finally:
        emulator.stop()
    print(render(results, before, time.monotonic() - started))
    return 0


def run_all(emulator: Emulator, options: Options, workdir: Path) -> Results:
    iam = iam_client(emulator.url)
    organisation = None
    if options.organisation:  # first: its file declares no IAM, and IAM is still empty
        progress(f"Identity Center organisation ({options.organisation.describe()}): seeding, "
                 "then iamctl plan in sync, "
                 f"+{identity_center.LATENCY * 1000:.0f} ms per call ...")
        organisation = identity_center.measure(emulator, options.organisation, workdir,
                                               accounts.ACCOUNT_ID)
    sizes, seeded = [], 0
    for users in options.sizes:
        sizes.append(bench_size(emulator, iam, options, workdir, seeded, users))
        seeded = users
    largest = workdir / f"account-{options.sizes[-1]}.yaml"
    progress("CPU time of load, diff, plan and render, in-process ...")
    live = cpu.read_account(emulator.url)
    in_sync = cpu.plan_cpu(largest, live)
    if in_sync.changes:
        raise plans.BenchError(f"in-process plan of the seeded account has {in_sync.changes} "
                               "changes")
    all_new = cpu.plan_cpu(largest, live, empty_account=True)
    progress("CPU time of every principal's access, in-process ...")
    access = cpu.access_cpu(live)
    applies = bench_apply(emulator, iam, options, workdir)
    several = None
    if options.accounts:
        progress(f"{options.accounts} accounts of {options.account_users} users, "
                 f"+{options.latency * 1000:.0f} ms per call: together, then one by one ...")
        several = many.measure_many(emulator, options.accounts, options.account_users,
                                    options.latency, workdir)
    return Results(sizes, in_sync, all_new, applies, options.refresh_sample, several, access,
                   organisation)


def bench_size(emulator: Emulator, iam: Any, options: Options, workdir: Path, seeded: int,
               users: int) -> SizeResult:
    roles = len(accounts.role_range(seeded, users))
    progress(f"{users:,} users: seeding {users - seeded:,} more and {roles:,} roles into the "
             "emulator's memory ...")
    started = time.monotonic()
    emulator.seed(accounts.seed(seeded, users))
    seed_seconds = time.monotonic() - started
    file = workdir / f"account-{users}.yaml"
    file.write_text(accounts.account_file(users))
    progress(f"{users:,} users: iamctl plan in sync, and the floor (the same reads, bare boto3), "
             "taking turns ...")
    in_sync: list[plans.PlanRun] = []
    floor: list[plans.PlanRun] = []
    for _ in range(options.repeat):  # in turns, so that both meet the same load on the machine
        in_sync += plans.measure_plan(emulator, file, users, 1, workdir)
        plans.check_in_sync(in_sync)
        floor += plans.measure_floor(emulator, users, 1, workdir, in_sync[0])
    progress(f"{users:,} users: per-resource refresh ...")
    indices = refresh.sample(users, options.refresh_sample)
    baseline = refresh.refresh(iam, users, indices)
    drifted_users = accounts.drifted_users(users, options.drift)
    how = plans.drift(iam, drifted_users)
    progress(f"{users:,} users: iamctl plan, {len(drifted_users)} drifted ({how}) ...")
    drifted = plans.measure_plan(emulator, file, users, 1, workdir)
    plans.check_drift(drifted, drifted_users)
    plans.undo_drift(iam, drifted_users)
    return SizeResult(users, seed_seconds, in_sync, drifted, len(drifted_users), how, baseline,
                      floor)


def bench_apply(emulator: Emulator, iam: Any, options: Options, workdir: Path) -> list[Row]:
    file = workdir / f"new-{options.apply_users}.yaml"
    file.write_text(accounts.new_users_file(options.apply_users))
    latencies = [0.0] + ([options.latency] if options.latency else [])
    rows = []
    for latency in latencies:
        for parallelism in (1, applying.DEFAULT_PARALLELISM):
            progress(f"apply {options.apply_users} new users, parallelism {parallelism}, "
                     f"+{latency * 1000:.0f} ms per call ...")
            rows.append(applying.measure_apply(
                emulator, iam, file, options.apply_users, parallelism, latency, workdir))
    return rows


def render(results: Results, before: str, seconds: float) -> str:
    parts = [
        "# iamctl bench",
        f"Machine: {before}",
        "",
        table(results.rows()),
        "",
        "Ratios:",
        *[f"  {line}" for line in ratio_lines(results)],
        "",
        "Targets:",
        *[f"  {target.line()}" for target in targets(results)],
        "",
        "Notes:",
        *[f"  - {line}" for line in notes(results)],
        f"  - load average after the run: {machine().rsplit('load average ', 1)[-1]}; "
        f"whole bench {seconds:.0f} s.",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
