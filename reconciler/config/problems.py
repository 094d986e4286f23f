"""`validate`'s reading of the files: every problem it can find in one run, not only the first.

`desired.load` (what plan and apply use) stops at the first error. Here the same checks run
one by one, each on its own, so that one mistake does not hide the next: each file's shape,
then per account the checks across entries (each check stops at its first finding), each
policy document, and each policy reference against the shipped list of AWS managed policies
(`offline_refs.py`). `desired`'s own build of each account runs last, so no check it makes is
skipped here; an error it finds that the isolated checks did not is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ConfigError
from ..core.policy import documents as policydoc
from . import desired, documents, roles, shape, validation
from .desired import Config
from .offline_refs import reference_problems
from .validation import Declared, declared_in
from .yamlload import Path, Source, load_yaml

_INLINE_MAX = {"user": policydoc.USER_INLINE_MAX_SIZE, "group": policydoc.GROUP_INLINE_MAX_SIZE,
               "role": roles.ROLE_INLINE_MAX_SIZE}


@dataclass
class Findings:
    """The configurations that built, and every problem found; `problems` sorted by place."""

    configs: list[Config] = field(default_factory=list)
    found: list[ConfigError] = field(default_factory=list)

    def attempt(self, check: Callable[..., Any], *args: Any) -> bool:
        """Run one check; its error is kept rather than raised. True when it passed."""
        try:
            check(*args)
        except ConfigError as error:
            self.add([error])
            return False
        return True

    def add(self, errors: Iterable[ConfigError]) -> None:
        seen = {str(error) for error in self.found}
        self.found += [error for error in errors if str(error) not in seen]

    @property
    def problems(self) -> list[ConfigError]:
        place = lambda e: (e.location.file, e.location.line, e.location.column)  # noqa: E731
        return sorted(self.found, key=place)


def find_problems(paths: Sequence[str]) -> Findings:
    """Every check `desired.load` makes, each reporting what it finds."""
    findings = Findings()
    by_account: dict[str, list[Source]] = {}
    left_out: set[str | None] = set()  # accounts with a file that could not be checked whole
    for file in desired._expand(paths):
        source = _checked_file(file, findings)
        if isinstance(source, Source):
            by_account.setdefault(source.data["account"]["id"], []).append(source)
        else:
            left_out.add(source)
    for account_id, sources in by_account.items():
        # An account with a file left out (or a file whose account is unknown) is not checked
        # across entries: what the missing file declares would show as errors it is not.
        if account_id not in left_out and None not in left_out:
            _check_account(account_id, sources, findings)
    return findings


def _checked_file(file: str, findings: Findings) -> Source | str | None:
    """The file, loaded and of the right shape; else the account it names (None: unknown)."""
    try:
        source = load_yaml(file)
    except ConfigError as error:
        # YAML that does not parse holds no value to check further: one error for the file.
        findings.add([error])
        return None
    account = _account_of(source)
    if not findings.attempt(roles.refuse_old_forms, source):
        return account
    try:
        wrong_shape = shape.shape_problems(source)
    except ConfigError as error:  # not a mapping, an unsupported version: nothing to read
        wrong_shape = [error]
    if wrong_shape:
        # The checks after the schema read values it guarantees: they would fail or mislead.
        findings.add(wrong_shape)
        return account
    passed = [findings.attempt(check, source)
              for check in (desired._check_file_rules, roles.check_file_rules)]
    return source if all(passed) else account


def _account_of(source: Source) -> str | None:
    account = source.data.get("account") if isinstance(source.data, dict) else None
    found = account.get("id") if isinstance(account, dict) else None
    return found if isinstance(found, str) else None


def _check_account(account_id: str, sources: list[Source], findings: Findings) -> None:
    policies = declared_in(sources, "policy", "policies")
    groups = declared_in(sources, "group", "groups")
    users = declared_in(sources, "user", "users")
    declared_roles = declared_in(sources, "role", "roles")
    for declared in (policies, groups, users, declared_roles):
        findings.attempt(validation.check_unique, declared)
    findings.attempt(validation.check_not_ignored, sources)
    findings.attempt(validation.check_reserved_policy_names, policies)
    findings.attempt(validation.check_group_references, users, groups)
    for entity in groups + users + declared_roles:
        findings.attempt(validation.check_listed_once, entity, "groups", "group")
        findings.attempt(validation.check_listed_once, entity, "policies", "policy")
        findings.attempt(validation.check_inline_names_once, entity)
        findings.add(_inline_problems(entity))
    for policy in policies:
        findings.add(_managed_document_problems(policy))
    findings.add(reference_problems(account_id, policies, groups + users + declared_roles))
    try:
        findings.configs.append(desired._config(account_id, sources))
    except ConfigError as error:
        findings.add([error])


def _managed_document_problems(policy: Declared) -> list[ConfigError]:
    data = policy.data
    if "document" in data:
        return _document_problems(policy, ("document",), data["document"],
                                  policydoc.MANAGED_POLICY_MAX_SIZE)
    return _first(documents.from_file, policy, ("document_file",), data["document_file"],
                  policydoc.MANAGED_POLICY_MAX_SIZE)


def _inline_problems(entity: Declared) -> list[ConfigError]:
    """Every problem of each inline document, then their total size."""
    found: list[ConfigError] = []
    for name, value in entity.data.get("inline_policies", {}).items():
        path: Path = ("inline_policies", name)
        if "document_file" in value:
            found += _first(documents.from_file, entity, path + ("document_file",),
                            value["document_file"], None)
        else:
            found += _document_problems(entity, path, value, None)
    if not found:
        found += _first(documents.inline_policies, entity, _INLINE_MAX[entity.kind])
    return found


def _document_problems(
    entity: Declared, path: Path, document: Any, max_size: int | None
) -> list[ConfigError]:
    """Each statement at fault in a document written in the file, not only the first."""
    return [entity.error(path + problem.where, problem.message)
            for problem in policydoc.document_problems(document, max_size)]


def _first(check: Callable[..., Any], *args: Any) -> list[ConfigError]:
    try:
        check(*args)
    except ConfigError as error:
        return [error]
    return []
