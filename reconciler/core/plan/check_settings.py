"""The `checks:` section of a file, applied to the security findings of `findings.py`: which
findings are turned off, and which fail `plan` and `validate` instead of warning. Pure.

A finding's id is its CIS AWS Foundations Benchmark number, as `Finding.check` has always
carried it (`"1.14"`) and the JSON plan shows it under `warnings`: files name the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..changes import Finding
from ..wording import plural

# Every id `findings.py` produces; the schema's list (schemas/iamctl.schema.json) is this one.
CHECK_IDS = ("1.4", "1.5", "1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "1.14", "1.15", "1.16")


@dataclass(frozen=True)
class Checks:
    disabled: frozenset[str] = frozenset()
    failing: frozenset[str] = frozenset()


NO_SETTINGS = Checks()


def tuned(findings: Iterable[Finding], checks: Checks) -> list[Finding]:
    """The findings the file wants shown, those it makes fail marked so. An id both disabled
    and failing fails: turning a gate off takes removing it from `fail_on`, where a reviewer
    sees it, not adding it to another list."""
    return [
        replace(finding, fails=True) if finding.check in checks.failing else finding
        for finding in findings
        if finding.check in checks.failing or finding.check not in checks.disabled
    ]


def failing(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.fails]


def failing_line(findings: Iterable[Finding], command: str = "plan") -> str:
    """One line for the findings that fail `command`, by check."""
    found = list(findings)
    ids = sorted({finding.check for finding in found}, key=CHECK_IDS.index)
    return (f"error: the {command} fails: CIS {', '.join(ids)} ({plural(len(found), 'finding')}) "
            "named in checks: fail_on")
