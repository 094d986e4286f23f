"""`iamctl plan` on the seeded account, in sync and with 1% of its users changed out of band."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import accounts
from bench.measure import Measured, run_floor, run_iamctl
from bench.pages import calls_at_real_page_sizes
from bench.report import Row
from bench.server import Emulator, ServerCounts


class BenchError(Exception):
    """iamctl did something other than what the bench expects: the numbers would mean nothing."""


@dataclass(frozen=True)
class PlanRun:
    measured: Measured
    counts: ServerCounts
    real_calls: int
    plan: dict[str, Any]

    @property
    def changes(self) -> list[dict[str, Any]]:
        return list(self.plan["changes"])


def measure_plan(emulator: Emulator, file: Path, users: int, repeat: int, workdir: Path
                 ) -> list[PlanRun]:
    """Run `iamctl plan` `repeat` times; the server counts what each run asked."""
    entities = accounts.entity_count(users)
    runs = []
    for _ in range(repeat):
        saved = workdir / "plan.json"
        emulator.counts()  # start from zero
        measured = run_iamctl(
            ["plan", "--detailed-exitcode", "--out", str(saved), str(file)], emulator.url, workdir
        )
        counts = emulator.counts()
        if measured.code not in (0, 2):
            raise BenchError(f"iamctl plan {file.name} failed: {tail(measured.stderr)}")
        real = calls_at_real_page_sizes(counts.calls, counts.max_items, entities)
        runs.append(PlanRun(measured, counts, real, json.loads(saved.read_text())))
    return runs


def measure_floor(emulator: Emulator, users: int, repeat: int, workdir: Path,
                  plan: PlanRun) -> list[PlanRun]:
    """The bare reads `repeat` times; each must make exactly the calls the in-sync `plan` made
    (else it would not be the floor of that plan)."""
    entities = accounts.entity_count(users)
    runs = []
    for _ in range(repeat):
        emulator.counts()
        # The bench file declares role descriptions and session durations: plan walks ListRoles.
        measured = run_floor(["--aws-catalog", "--role-settings"], emulator.url, workdir)
        counts = emulator.counts()
        if measured.code != 0:
            raise BenchError(f"bench/floor.py failed: {tail(measured.stderr)}")
        if counts.calls != plan.counts.calls:
            raise BenchError(f"the floor's calls {dict(counts.calls)} are not the plan's "
                             f"{dict(plan.counts.calls)}")
        real = calls_at_real_page_sizes(counts.calls, counts.max_items, entities)
        runs.append(PlanRun(measured, counts, real, {}))  # no plan: rows say so
    return runs


def plan_row(scenario: str, users: int, runs: Sequence[PlanRun], note: str = "") -> Row:
    """The fastest run's time (the least disturbed by other work), the largest peak memory."""
    best = min(runs, key=lambda run: run.measured.seconds)
    notes = [note] if note else []
    if len(runs) > 1:
        notes.append(f"best of {len(runs)}")
    if best.plan and best.measured.reported_calls != best.counts.total:
        notes.append(f"iamctl reported {best.measured.reported_calls} calls")
    return Row(
        scenario=scenario,
        users=users,
        calls=best.counts.total,
        real_calls=best.real_calls,
        seconds=best.measured.seconds,
        cpu_seconds=best.measured.cpu_seconds,
        peak_mb=max(run.measured.peak_mb for run in runs),
        note="; ".join(notes),
    )


def check_in_sync(runs: Sequence[PlanRun]) -> None:
    for run in runs:
        if run.measured.code != 0 or run.changes:
            raise BenchError(
                f"the plan of the seeded account is not empty (exit {run.measured.code}): "
                f"{summarise(run.changes)}"
            )


def check_drift(runs: Sequence[PlanRun], drifted: Sequence[int]) -> None:
    """The plan must show exactly one change for each user changed out of band."""
    expected = {accounts.user_name(index) for index in drifted}
    for run in runs:
        named = {change["name"] for change in run.changes}
        if run.measured.code != 2 or named != expected or len(run.changes) != len(expected):
            raise BenchError(
                f"the plan after drifting {len(expected)} users shows {len(run.changes)} "
                f"changes on {len(named & expected)} of them: {summarise(run.changes)}"
            )


def summarise(changes: Sequence[dict[str, Any]]) -> str:
    shown = [f"{c['action']} {c['kind']} {c['name']}" for c in changes[:3]]
    return ", ".join(shown) + (" ..." if len(changes) > 3 else "") if shown else "none"


def tail(text: str, lines: int = 5) -> str:
    return " / ".join(text.strip().splitlines()[-lines:])


@dataclass(frozen=True)
class Drift:
    """One kind of out-of-band change, and how to put it back."""

    label: str
    make: Callable[[Any, accounts.BenchUser], None]
    undo: Callable[[Any, accounts.BenchUser], None]


def detach_policy(iam: Any, user: accounts.BenchUser) -> None:
    arn = accounts.customer_policy_arn(user.customer_policy)
    iam.detach_user_policy(UserName=user.name, PolicyArn=arn)


def attach_policy(iam: Any, user: accounts.BenchUser) -> None:
    arn = accounts.customer_policy_arn(user.customer_policy)
    iam.attach_user_policy(UserName=user.name, PolicyArn=arn)


def change_tag(iam: Any, user: accounts.BenchUser) -> None:
    tags = [{"Key": "cost-center", "Value": accounts.DRIFTED_TAG_VALUE}]
    iam.tag_user(UserName=user.name, Tags=tags)


def restore_tag(iam: Any, user: accounts.BenchUser) -> None:
    tags = [{"Key": "cost-center", "Value": user.tags["cost-center"]}]
    iam.tag_user(UserName=user.name, Tags=tags)


def delete_access_keys(iam: Any, user: accounts.BenchUser) -> None:
    for key in iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user.name, AccessKeyId=key["AccessKeyId"])


def create_access_key(iam: Any, user: accounts.BenchUser) -> None:
    iam.create_access_key(UserName=user.name)  # the new secret is dropped unseen


# Rotated through the drifted users. A detached policy or a changed tag the plan sees in the bulk
# read; a deleted access key is a credential the plan would act on, so it confirms that user
# with exact calls (3 per user).
DRIFTS = (
    Drift("policy detached", detach_policy, attach_policy),
    Drift("tag changed", change_tag, restore_tag),
    Drift("access key deleted", delete_access_keys, create_access_key),
)


def drift(iam: Any, drifted: Sequence[int]) -> str:
    """Change the users out of band, as someone in the console would; says what was done."""
    for position, index in enumerate(drifted):
        DRIFTS[position % len(DRIFTS)].make(iam, accounts.bench_user(index))
    counts = [len(drifted[kind :: len(DRIFTS)]) for kind in range(len(DRIFTS))]
    return ", ".join(f"{n} {d.label}" for n, d in zip(counts, DRIFTS, strict=True) if n)


def undo_drift(iam: Any, drifted: Sequence[int]) -> None:
    """Put the drifted users back as the file declares them."""
    for position, index in enumerate(drifted):
        DRIFTS[position % len(DRIFTS)].undo(iam, accounts.bench_user(index))
