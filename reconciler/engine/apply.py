"""Carries out a `Plan`: runs each change's writer, phase by phase, entities in parallel.

Within a phase (see `kinds.phase_of`) the changes of one entity run in plan order on one worker,
and different entities run concurrently, at most `parallelism` at a time. Phases are barriers, so
a user is created before it joins a group, and policies exist before they are attached. On the
first failure, or once `stop` is set (Ctrl-C), no new change starts; the changes under way finish,
and what was done, what failed and what was not attempted are reported in an `ApplyError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import groupby

from ..aws.writers import WRITERS, WriteContext
from ..core.changes import Change
from ..core.errors import ApplyError, IamctlError
from ..core.kinds.changes import creates_secret as creates_secret
from ..core.kinds.changes import phase_of
from ..core.plan.plan import Plan
from ..core.render.text import change_lines

DEFAULT_PARALLELISM = 8


def describe(change: Change) -> str:
    return change_lines(change)[0]


@dataclass
class _Progress:
    on_done: Callable[[Change], None]
    stop: threading.Event
    done: list[Change] = field(default_factory=list)
    failure: tuple[Change, IamctlError] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def halted(self) -> bool:
        return self.failure is not None or self.stop.is_set()

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
    stop: threading.Event | None = None,
) -> list[Change]:
    """Runs every change of the plan; returns them in the order they completed.

    `stop` may be set from another thread: each worker checks it before each change."""
    refuse_unwritable(plan.changes)
    progress = _Progress(on_done, stop or threading.Event())
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for _, phase in groupby(plan.changes, key=phase_of):
            run_phase(list(phase), ctx, progress, pool)
            if progress.halted():
                break
    if progress.failure or len(progress.done) < len(plan.changes):
        raise stop_report(plan.changes, progress)
    return progress.done


def refuse_unwritable(changes: Sequence[Change]) -> None:
    """A change no writer carries out stops apply before its first write, not halfway."""
    unwritable = [change for change in changes if (change.kind, change.action) not in WRITERS]
    if unwritable:
        raise IamctlError(
            f"iamctl has no way to carry out {describe(unwritable[0])!r} "
            f"({unwritable[0].kind.value} {unwritable[0].action.value}); nothing was changed"
        )


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
        if progress.halted():
            return
        try:
            WRITERS[(change.kind, change.action)](ctx, change)
        except IamctlError as error:
            progress.fail(change, error)
            return
        progress.record(change)


def stop_report(changes: Sequence[Change], progress: _Progress) -> ApplyError:
    failed, error = progress.failure or (None, None)
    finished = set(map(id, progress.done)) | {id(failed)}
    return ApplyError(
        done=[describe(change) for change in progress.done],
        failed=describe(failed) if failed else None,
        error=error,
        not_attempted=[describe(change) for change in changes if id(change) not in finished],
        interrupted=progress.stop.is_set(),
    )
