"""`iamctl apply` of new users on an empty account, at parallelism 1 and at the default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.measure import Measured, run_iamctl
from bench.pages import calls_at_real_page_sizes
from bench.plans import BenchError, tail
from bench.report import Row
from bench.server import Emulator
from reconciler.engine.apply import DEFAULT_PARALLELISM

__all__ = ["DEFAULT_PARALLELISM", "measure_apply"]


def measure_apply(
    emulator: Emulator, iam: Any, file: Path, users: int, parallelism: int, latency: float,
    workdir: Path,
) -> Row:
    """Apply `file` to a fresh account with `latency` seconds added to every API call, then
    check that a second plan is empty (else the timing would be of a broken apply)."""
    emulator.reset()
    iam.list_account_aliases()  # moto rebuilds the account on first use: not part of the time
    emulator.set_latency(latency)
    emulator.counts()
    try:
        measured = run_iamctl(
            ["apply", "--yes", "--parallelism", str(parallelism), str(file)],
            emulator.url, workdir,
        )
        counts = emulator.counts()
    finally:
        emulator.set_latency(0.0)
    if measured.code != 0:
        raise BenchError(f"iamctl apply {file.name} failed: {tail(measured.stderr)}")
    check_converged(emulator, file, workdir)
    delay = f", +{latency * 1000:.0f} ms/call" if latency else ""
    return Row(
        scenario=f"apply {users} new users, parallelism {parallelism}{delay}",
        users=users,
        calls=counts.total,
        real_calls=calls_at_real_page_sizes(counts.calls, counts.max_items, 0),
        seconds=measured.seconds,
        cpu_seconds=measured.cpu_seconds,
        peak_mb=measured.peak_mb,
        note=added(measured),
    )


def added(measured: Measured) -> str:
    """The summary apply prints ("Apply complete ...: 1521 added, 0 changed, 0 destroyed.")."""
    for line in measured.stdout.splitlines():
        if line.startswith("Apply complete"):
            return line.split(": ", 1)[-1].rstrip(".")
    return ""


def check_converged(emulator: Emulator, file: Path, workdir: Path) -> None:
    again = run_iamctl(["plan", "--detailed-exitcode", str(file)], emulator.url, workdir)
    if again.code != 0:
        raise BenchError(
            f"the plan after applying {file.name} is not empty (exit {again.code}): "
            f"{tail(again.stdout + again.stderr)}"
        )
