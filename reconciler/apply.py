"""Carries out a `Plan`: runs each change's writer, phase by phase, entities in parallel.

Within a phase (see `plan.phase_of`) the changes of one entity run in plan order on one worker,
and different entities run concurrently, at most `parallelism` at a time. Phases are barriers, so
a user is created before it joins a group, and policies exist before they are attached. On the
first failure no new work starts; what was done, what failed and what was not attempted are
reported in an `ApplyError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import groupby

from .errors import ApplyError, IamctlError
from .model import Action, Change, Kind
from .plan import Plan, phase_of
from .render import change_lines
from .writers import WRITERS, WriteContext

DEFAULT_PARALLELISM = 8


def creates_secret(change: Change) -> bool:
    return change.action == Action.CREATE and change.kind in (Kind.LOGIN_PROFILE, Kind.ACCESS_KEY)


def describe(change: Change) -> str:
    return change_lines(change)[0]


@dataclass
class _Progress:
    on_done: Callable[[Change], None]
    done: list[Change] = field(default_factory=list)
    failure: tuple[Change, IamctlError] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, change: Change) -> None:
        with self.lock:
            self.done.append(change)
            self.on_done(change)

    def fail(self, change: Change, error: IamctlError) -> None:
        with self.lock:
            if self.failure is None:
                self.failure = (change, error)


def apply_plan(
    plan: Plan,
    ctx: WriteContext,
    on_done: Callable[[Change], None] = lambda change: None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> list[Change]:
    """Runs every change of the plan; returns them in the order they completed."""
    progress = _Progress(on_done)
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for _, phase in groupby(plan.changes, key=phase_of):
            run_phase(list(phase), ctx, progress, pool)
            if progress.failure:
                break
    if progress.failure:
        raise failure_report(plan.changes, progress)
    return progress.done


def run_phase(
    changes: Sequence[Change], ctx: WriteContext, progress: _Progress, pool: ThreadPoolExecutor
) -> None:
    futures: list[Future[None]] = [
        pool.submit(run_entity, list(entity_changes), ctx, progress)
        for _, entity_changes in groupby(changes, key=lambda change: change.name)
    ]
    wait(futures, return_when=FIRST_EXCEPTION)
    for future in futures:
        future.result()  # run_entity catches IamctlError; anything else is a bug: let it show


def run_entity(changes: Iterable[Change], ctx: WriteContext, progress: _Progress) -> None:
    for change in changes:
        if progress.failure:
            return
        try:
            WRITERS[(change.kind, change.action)](ctx, change)
        except IamctlError as error:
            progress.fail(change, error)
            return
        progress.record(change)


def failure_report(changes: Sequence[Change], progress: _Progress) -> ApplyError:
    assert progress.failure is not None
    failed, error = progress.failure
    finished = set(map(id, progress.done)) | {id(failed)}
    return ApplyError(
        done=[describe(change) for change in progress.done],
        failed=describe(failed),
        error=error,
        not_attempted=[describe(change) for change in changes if id(change) not in finished],
    )
