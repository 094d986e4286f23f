"""CPU time of everything `plan` does after reading AWS, in-process, on states read beforehand."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import boto3

from reconciler.aws.client import Aws
from reconciler.aws.live import LiveAccount, read_live
from reconciler.aws.live_roles import read_role_settings
from reconciler.config import desired
from reconciler.core.diff.diff import diff
from reconciler.core.plan.findings import account_findings
from reconciler.core.plan.plan import make_plan
from reconciler.core.render.text import render_text
from reconciler.core.state import State

T = TypeVar("T")


@dataclass(frozen=True)
class CpuResult:
    stages: dict[str, float]  # CPU seconds by stage, in pipeline order
    changes: int

    @property
    def total(self) -> float:
        return sum(self.stages.values())

    @property
    def deciding(self) -> float:
        """Everything after reading the file: resolve, diff, findings, plan, render."""
        return self.total - self.stages["load"]

    def breakdown(self) -> str:
        return ", ".join(f"{name} {seconds:.2f}" for name, seconds in self.stages.items())


def read_account(url: str) -> LiveAccount:
    """The account as plan reads it for the bench file, role descriptions and session durations
    included (the file declares them: plan reads them from ListRoles)."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1")
    aws = Aws(session, url)
    live = read_live(aws, aws.identity())
    return replace(live, state=read_role_settings(aws, live.state))


def timed(stages: dict[str, float], name: str, step: Callable[[], T]) -> T:
    started = time.process_time()
    result = step()
    stages[name] = time.process_time() - started
    return result


def plan_cpu(file: Path, live: LiveAccount, empty_account: bool = False) -> CpuResult:
    """Load, resolve, diff, findings, make_plan and render_text for `file` against `live` (or
    against the same account emptied of users, groups, policies and roles: every line a
    creation)."""
    stages: dict[str, float] = {}
    live_state = without_entities(live.state) if empty_account else live.state
    config = timed(stages, "load", lambda: desired.load([str(file)])[0])
    wanted = timed(stages, "resolve", lambda: desired.resolve(
        config, live.aws_policies, live.identity.partition))
    result = timed(stages, "diff", lambda: diff(wanted, live_state, live.identity.user_name))
    now = datetime.now(timezone.utc)
    findings = timed(stages, "findings", lambda: account_findings(wanted, live_state, now))
    plan = timed(stages, "make_plan", lambda: make_plan(wanted, live_state, result, findings))
    timed(stages, "render_text", lambda: render_text(plan))
    return CpuResult(stages, len(plan.changes))


def without_entities(state: State) -> State:
    return replace(state, users={}, groups={}, policies={}, roles={})


def access_cpu(live: LiveAccount) -> CpuResult:
    """The access model of the whole account: every principal's powers (full access and the
    escalation methods it holds), as `iamctl access` and a plan touching everyone would ask."""
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.model import AccessModel
    from reconciler.core.access.powers import powers

    cold_caches()
    stages: dict[str, float] = {}
    model = timed(stages, "model", lambda: AccessModel.of(live.state, shipped))
    principals = model.principals()
    timed(stages, "powers", lambda: [powers(model, who) for who in principals])
    return CpuResult(stages, len(principals))


def cold_caches() -> None:
    """Empties the core's memoised functions, as in a fresh `iamctl access` process: the plans
    measured before would otherwise have worked out part of the answer (the same statements)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("reconciler.core"):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
