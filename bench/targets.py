"""What the bench concludes: the table's rows, the ratios, the targets (PASS/FAIL) and notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench import accounts
from bench.cpu import CpuResult
from bench.identity_center import OrgResult
from bench.many import ManyResult
from bench.pages import GAAD, LARGEST_MAX_ITEMS, gaad_pages
from bench.plans import PlanRun, plan_row
from bench.refresh import PER_USER_CALLS, Refresh
from bench.report import Row, Target, ratio

MAX_PLAN_CALLS = 20
MAX_ROLES_PLAN_CALLS = 25  # the same plan, counted against the target set when roles came in
MIN_REFRESH_RATIO = 20.0
EXTRA_CALLS_PER_DRIFTED_USER = 3
MAX_PEAK_MB = 200.0
MAX_CPU_SECONDS = 1.0
MAX_ACCESS_SECONDS = 1.0  # every principal's access, on top of the plan
MAX_FLOOR_RATIO = 1.5  # in-sync plan's wall time over the floor's
MAX_CPU_BEYOND_FLOOR = 1.5  # seconds of CPU the plan spends beyond the floor's
MAX_LOAD_SECONDS = 0.8  # loading the largest account's file (55,000 lines at 5,000 users)
MIN_MANY_RATIO = 5.0  # many accounts at once against one after another
MAX_MANY_MEMORY_GROWTH = 1.25  # peak of all the accounts over the peak of a fifth of them
MIN_APPLY_RATIO = 3.0
MODELED_ROUND_TRIP = 0.020  # seconds: a plausible round trip to IAM, for the modeled line only


@dataclass(frozen=True)
class SizeResult:
    users: int
    seed_seconds: float
    in_sync: Sequence[PlanRun]
    drifted: Sequence[PlanRun]
    drift_count: int
    drift_how: str
    refresh: Refresh
    floor: Sequence[PlanRun]

    def floor_row(self) -> Row:
        return plan_row("floor: the same reads, bare boto3", self.users, self.floor)

    def floor_ratio(self) -> float:
        return ratio(self.plan().seconds or 0, self.floor_row().seconds or 0)

    def cpu_beyond_floor(self) -> float:
        return (self.plan().cpu_seconds or 0) - (self.floor_row().cpu_seconds or 0)

    def plan(self) -> Row:
        return plan_row("plan, in sync", self.users, self.in_sync)

    def drifted_plan(self) -> Row:
        users = "1 user" if self.drift_count == 1 else f"{self.drift_count} users"
        return plan_row(f"plan, {users} drifted", self.users, self.drifted, self.drift_how)

    def refresh_row(self) -> Row:
        r = self.refresh
        per_user = f"{r.seconds / max(r.refreshed, 1) * 1000:.0f} ms/user"
        sampled = f"{r.refreshed:,} users sampled, time x{r.scale:.1f}; " if r.scale > 1 else ""
        return Row(
            scenario=f"per-resource refresh ({len(PER_USER_CALLS)} calls/user, parallelism 1)",
            users=self.users, calls=r.total_calls, real_calls=r.total_calls,
            seconds=r.total_seconds, cpu_seconds=r.cpu_seconds * r.scale,
            note=sampled + per_user,
        )

    def extra_calls(self) -> int:
        """Calls the drifted plan made beyond the in-sync one (same server, same page sizes)."""
        return self.drifted_plan().calls_or_zero() - self.plan().calls_or_zero()


@dataclass(frozen=True)
class Results:
    sizes: Sequence[SizeResult]
    cpu_in_sync: CpuResult
    cpu_all_new: CpuResult
    applies: Sequence[Row]  # pairs: parallelism 1 then the default, per added latency
    refresh_sample: int
    many: ManyResult | None = None
    access: CpuResult | None = None  # every principal's access (the access model)
    organisation: OrgResult | None = None  # the Identity Center organisation's plan

    @property
    def largest(self) -> SizeResult:
        return self.sizes[-1]

    def rows(self) -> list[Row]:
        rows = []
        for size in self.sizes:
            rows += [size.floor_row(), size.plan(), size.drifted_plan(), size.refresh_row()]
        users = self.largest.users
        rows.append(cpu_row("CPU: load+diff+plan+render, in sync", users, self.cpu_in_sync))
        rows.append(cpu_row("CPU: load+diff+plan+render, all new", users, self.cpu_all_new))
        if self.access is not None:
            rows.append(cpu_row(f"CPU: access of every principal ({self.access.changes:,})",
                                users, self.access))
        rows += list(self.applies) + (many_rows(self.many) if self.many else [])
        if self.organisation:
            rows += [self.organisation.floor_row(), self.organisation.row()]
        return rows

    def apply_pairs(self) -> list[tuple[Row, Row]]:
        return [(self.applies[i], self.applies[i + 1]) for i in range(0, len(self.applies), 2)]


def many_rows(many: ManyResult) -> list[Row]:
    delay = f", +{many.latency * 1000:.0f} ms/call" if many.latency else ""
    each = f"{many.users:,} users each"
    return [
        Row(f"plan {many.accounts} accounts at once{delay}", many.users * many.accounts, None,
            None, many.together.seconds, many.together.cpu_seconds, many.together.peak_mb,
            each),
        Row(f"plan {many.few_accounts} accounts at once{delay}",
            many.users * many.few_accounts, None, None, many.few.seconds, many.few.cpu_seconds,
            many.few.peak_mb, each),
        Row(f"plan {many.accounts} accounts one after another{delay}",
            many.users * many.accounts, None, None, many.one_by_one_seconds,
            many.one_by_one_cpu, many.one_by_one_peak_mb,
            f"{each}; a run per account, times added up"),
    ]


def cpu_row(scenario: str, users: int, result: CpuResult) -> Row:
    return Row(scenario, users, None, None, None, result.total, None, result.breakdown())


def ratio_lines(results: Results) -> list[str]:
    lines = []
    for size in results.sizes:
        plan, floor = size.plan(), size.floor_row()
        lines.append(
            f"{size.users:,} users: plan/floor seconds {size.floor_ratio():.2f}x "
            f"({plan.seconds:.2f} s / {floor.seconds:.2f} s); CPU beyond the floor's "
            f"{size.cpu_beyond_floor():.2f} s ({plan.cpu_seconds:.2f} s / "
            f"{floor.cpu_seconds:.2f} s)"
        )
    for size in results.sizes:
        plan, baseline = size.plan(), size.refresh_row()
        lines.append(
            f"{size.users:,} users: refresh/plan seconds "
            f"{ratio(baseline.seconds or 0, plan.seconds or 0):.1f}x "
            f"({baseline.seconds:.1f} s / {plan.seconds:.1f} s); refresh/plan calls "
            f"{ratio(baseline.calls_or_zero(), plan.real_calls or 0):,.0f}x "
            f"({baseline.calls_or_zero():,} / {plan.real_calls} at real page sizes)"
        )
    lines.append(modeled_line(results.largest))
    if results.many:
        lines.append(many_line(results.many))
    for serial, parallel in results.apply_pairs():
        lines.append(
            f"{serial.scenario.replace(', parallelism 1', '')}: parallelism 1 / 8 seconds "
            f"{ratio(serial.seconds or 0, parallel.seconds or 0):.1f}x "
            f"({serial.seconds:.1f} s / {parallel.seconds:.1f} s)"
        )
    if results.organisation:
        lines.append(results.organisation.ratio_line())
    return lines


def many_line(many: ManyResult) -> str:
    return (
        f"{many.accounts} accounts: one after another / at once seconds "
        f"{many_speedup(many):.1f}x ({many.one_by_one_seconds:.1f} s / "
        f"{many.together.seconds:.1f} s); peak memory {many.accounts} / {many.few_accounts} "
        f"accounts {many_growth(many):.2f}x ({many.together.peak_mb:.0f} MB / "
        f"{many.few.peak_mb:.0f} MB)"
    )


def many_speedup(many: ManyResult) -> float:
    return ratio(many.one_by_one_seconds, many.together.seconds)


def many_growth(many: ManyResult) -> float:
    return ratio(many.together.peak_mb, many.few.peak_mb)


def modeled_line(size: SizeResult) -> str:
    """Not a measurement: what the round trip moto does not have would add, call by call."""
    plan, baseline = size.plan(), size.refresh_row()
    trip = MODELED_ROUND_TRIP
    modeled_plan = (plan.seconds or 0) + (plan.real_calls or 0) * trip
    modeled_refresh = (baseline.seconds or 0) + baseline.calls_or_zero() * trip
    return (
        f"{size.users:,} users, modeled with +{trip * 1000:.0f} ms per call (measured seconds + "
        f"calls x {trip * 1000:.0f} ms, calls in sequence): refresh {modeled_refresh:,.0f} s, "
        f"plan {modeled_plan:.1f} s, {ratio(modeled_refresh, modeled_plan):.0f}x"
    )


def access_targets(results: Results) -> list[Target]:
    if results.access is None:
        return []
    return [Target(f"every principal's access ({results.access.changes:,}) at most "
                   f"{MAX_ACCESS_SECONDS} s CPU", f"{results.access.total:.2f} s",
                   results.access.total <= MAX_ACCESS_SECONDS)]


def targets(results: Results) -> list[Target]:
    size = results.largest
    plan, baseline = size.plan(), size.refresh_row()
    peak = max(size.plan().peak_mb or 0, size.drifted_plan().peak_mb or 0)
    speedup = ratio(baseline.seconds or 0, plan.seconds or 0)
    found = access_targets(results) + [
        Target(f"in-sync plan of {size.users:,} users at most {MAX_FLOOR_RATIO}x the floor's "
               "wall time", f"{size.floor_ratio():.2f}x ({plan.seconds:.2f} s / "
               f"{size.floor_row().seconds:.2f} s)", size.floor_ratio() <= MAX_FLOOR_RATIO),
        Target(f"in-sync plan of {size.users:,} users: at most {MAX_CPU_BEYOND_FLOOR} s CPU "
               "beyond the floor's", f"{size.cpu_beyond_floor():.2f} s",
               size.cpu_beyond_floor() <= MAX_CPU_BEYOND_FLOOR),
        Target(f"loading the {size.users:,}-user file at most {MAX_LOAD_SECONDS} s",
               f"{results.cpu_in_sync.stages['load']:.2f} s CPU",
               results.cpu_in_sync.stages["load"] <= MAX_LOAD_SECONDS),
        Target(f"in-sync plan of {size.users:,} users: at most {MAX_PLAN_CALLS} API calls at "
               "real page sizes", f"{plan.real_calls} ({plan.calls} against moto)",
               (plan.real_calls or 0) <= MAX_PLAN_CALLS),
        Target(f"in-sync plan of {size.users:,} users and {accounts.role_count(size.users):,} "
               f"roles: at most {MAX_ROLES_PLAN_CALLS} API calls at real page sizes",
               f"{plan.real_calls} ({plan.calls} against moto)",
               (plan.real_calls or 0) <= MAX_ROLES_PLAN_CALLS),
        Target(f"in-sync plan of {size.users:,} users at least {MIN_REFRESH_RATIO:.0f}x faster "
               "than the per-resource refresh",
               f"{speedup:.1f}x ({baseline.seconds:.1f} s / {plan.seconds:.1f} s)",
               speedup >= MIN_REFRESH_RATIO),
        drift_target(results.sizes),
        Target(f"peak memory of a {size.users:,}-user plan at most {MAX_PEAK_MB:.0f} MB",
               f"{peak:.0f} MB", peak <= MAX_PEAK_MB),
    ]
    if results.many:
        found += many_targets(results.many)
    for label, cpu in (("in sync", results.cpu_in_sync), ("all new", results.cpu_all_new)):
        # The target is about deciding and rendering; reading the YAML file is reported
        # beside it (it is the larger cost at this size, and the next thing to speed up).
        found.append(Target(
            f"diff+plan+render of {size.users:,} users ({label}) under "
            f"{MAX_CPU_SECONDS:.0f} s CPU",
            f"{cpu.deciding:.2f} s (loading the file: {cpu.stages['load']:.2f} s more)",
            cpu.deciding < MAX_CPU_SECONDS))
    for serial, parallel in results.apply_pairs():
        speedup = ratio(serial.seconds or 0, parallel.seconds or 0)
        found.append(Target(
            f"{serial.scenario.replace(', parallelism 1', '')}: at least {MIN_APPLY_RATIO:.0f}x "
            "faster at parallelism 8 than at 1", f"{speedup:.1f}x", speedup >= MIN_APPLY_RATIO))
    if results.organisation:
        found.append(results.organisation.target())
    return found


def many_targets(many: ManyResult) -> list[Target]:
    return [
        Target(f"{many.accounts} accounts at once at least {MIN_MANY_RATIO:.0f}x faster than "
               "one after another", f"{many_speedup(many):.1f}x",
               many_speedup(many) >= MIN_MANY_RATIO),
        Target(f"peak memory flat in accounts: {many.accounts} accounts at most "
               f"{MAX_MANY_MEMORY_GROWTH}x the peak of {many.few_accounts}",
               f"{many_growth(many):.2f}x", many_growth(many) <= MAX_MANY_MEMORY_GROWTH),
    ]


def drift_target(sizes: Sequence[SizeResult]) -> Target:
    limit = EXTRA_CALLS_PER_DRIFTED_USER
    parts = [f"{s.users:,} users: +{s.extra_calls()} for k={s.drift_count} "
             f"(limit {limit * s.drift_count})" for s in sizes]
    passed = all(s.extra_calls() <= limit * s.drift_count for s in sizes)
    return Target(f"k drifted users cost at most {limit}k more API calls", "; ".join(parts),
                  passed)


def notes(results: Results) -> list[str]:
    largest = results.largest
    max_items = largest.in_sync[0].counts.max_items.get(GAAD)
    entities = accounts.entity_count(largest.users)
    roles = accounts.role_count(largest.users)
    seeded = ", then ".join(f"up to {s.users:,} users in {s.seed_seconds:.1f} s"
                            for s in results.sizes)
    return [
        f"Accounts hold one role per {accounts.USERS_PER_ROLE} users ({roles:,} beside "
        f"{largest.users:,} users), seeded with them straight into the emulator's memory with "
        f"moto's backend methods ({seeded}): through the API it would take ~7 calls per user "
        "and ~3 per role. Everything measured goes through the API.",
        "moto runs on the same host: a call costs a few ms of CPU instead of tens of ms of "
        "network, and it builds large responses slowly in pure Python. The absolute seconds are "
        "not AWS's; the ratios and call counts are the meaningful part.",
        f"Real page sizes: moto answers {GAAD} in one page whatever MaxItems says. iamctl sends "
        f"MaxItems={max_items if max_items is not None else 'none (AWS default 100)'}; "
        f"{entities:,} users, groups, policies and roles then take "
        f"{gaad_pages(entities, max_items)} pages (at most {LARGEST_MAX_ITEMS} per page; AWS may "
        "return fewer). ListPolicies (AWS managed), ListVirtualMFADevices and ListRoles (which "
        "plan walks for the role descriptions and session durations the file declares) are "
        "paged by moto too, so their counts stand.",
        "Credential report: 2 calls (generate, get) when AWS has one under 4 hours old; when it "
        "must build one, iamctl polls with back-off (0.25 s doubling to 4 s): ~1 more call per "
        "4 s of build time. moto builds it at once.",
        refresh_note(results),
        "seconds: wall clock of the whole command, Python start-up included. CPU s: the "
        "client's CPU time (iamctl, or the refresh loop); moto's is not counted. peak MB: the "
        "command's peak resident memory (started from a small launcher, see bench/launch.py).",
        "apply without added latency: client and moto are both CPU-bound on this machine's "
        "cores, so parallel calls cannot overlap much; with a round trip to wait on (+latency "
        "rows) they do, as they would against AWS.",
        "Other test runs shared the machine's cores: timings are noisy. In-sync plans count "
        "their fastest run; peak memory is the largest of the runs.",
    ]


def refresh_note(results: Results) -> str:
    text = (f"The refresh baseline makes {len(PER_USER_CALLS)} calls per user, one at a time "
            "(boto3, same server), and reads no groups, policies or roles (which flatters it).")
    if results.refresh_sample:
        text += (f" Above {results.refresh_sample:,} users it refreshes an evenly spread sample "
                 f"of {results.refresh_sample:,} and scales the time: each call reads one user, "
                 "so the cost per user is flat (compare the per-user time across sizes); "
                 "`--full-refresh` refreshes every user.")
    return text
