"""The bench's output: one table row per measurement, the ratios, and PASS/FAIL per target."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    scenario: str
    users: int
    calls: int | None  # API requests moto received
    real_calls: int | None  # the same read at real AWS page sizes
    seconds: float | None  # wall-clock
    cpu_seconds: float | None = None
    peak_mb: float | None = None
    note: str = ""

    def calls_or_zero(self) -> int:
        return self.calls or 0


@dataclass(frozen=True)
class Target:
    goal: str
    measured: str
    passed: bool

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.goal}: {self.measured}"


HEADER = ("scenario", "users", "API calls (moto)", "API calls (real page sizes)", "seconds",
          "CPU s", "peak MB", "notes")


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned so that it also reads well in a terminal."""
    cells = [HEADER] + [row_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = [format_line(line, widths) for line in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def row_cells(row: Row) -> tuple[str, ...]:
    return (
        row.scenario,
        f"{row.users:,}",
        optional(row.calls, "{:,}"),
        optional(row.real_calls, "{:,}"),
        optional(row.seconds, "{:.2f}"),
        optional(row.cpu_seconds, "{:.2f}"),
        optional(row.peak_mb, "{:.0f}"),
        row.note,
    )


def optional(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def format_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
    return "| " + " | ".join(padded) + " |"


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def machine() -> str:
    """What ran the bench: cores, CPU model, Python, and the load before it started (other
    work on the machine makes the timings noisy)."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    cores = len(os.sched_getaffinity(0))  # what `nproc` prints
    return (
        f"{cores} cores (nproc), {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load}"
    )
