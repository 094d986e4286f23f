"""Saved plans (`plan --out`, `apply --plan`, `apply PLANFILE`, `show`): read one back and refuse
it unless the fresh plan of every account it names is the same (same configuration, same
account, same changes, and new secrets delivered where it said).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.changes import Change, ChangeKind
from ..core.errors import IamctlError, StalePlanError
from ..core.plan.destinations import place, same_place
from ..core.plan.plan import Plan, plan_from_dict
from ..core.plan.targets import Target, parse_target
from ..core.render.text import change_lines, printable
from .accounts import AccountResult
from .run import AccountPlan


def use_saved_plan(results: Sequence[AccountResult], plan_file: str) -> list[AccountResult]:
    """Refuses a saved plan that no longer matches; otherwise the fresh plans go ahead.

    Only the saved changes and fingerprints are read, to be checked: once the fresh changes are
    found equal, everything else (alias and sign-in URL, human steps, findings) comes from the
    fresh read and the configuration, never from a file anyone could have edited."""
    saved = load_saved_plans(plan_file)
    for result in results:
        if result.error:
            raise result.error
    fresh_ids = {result.account_id for result in results}
    if set(saved) != fresh_ids:
        raise StalePlanError(
            f"{plan_file}: the plan is for account(s) {', '.join(sorted(saved))}, "
            f"not {', '.join(sorted(fresh_ids))}"
        )
    for result in results:
        assert result.planned is not None
        check_saved(result.planned, saved[result.account_id], plan_file)
    return list(results)


def load_saved_plans(plan_file: str) -> dict[str, Plan]:
    documents = saved_documents(plan_file)
    refuse_failed_accounts(documents, plan_file)
    plans = [read_plan(document, plan_file) for document in documents]
    return {plan.account_id: plan for plan in plans}


def saved_document(plan_file: str) -> Any:
    """The saved plan's JSON as it is (`show --json`), once each account's plan reads back."""
    for document in saved_documents(plan_file):
        if "error" not in document:
            read_plan(document, plan_file)
    return json.loads(Path(plan_file).read_text())


def saved_documents(plan_file: str) -> list[dict[str, Any]]:
    """Each account's document of a saved plan (one, or those under `accounts`)."""
    try:
        data = json.loads(Path(plan_file).read_text())
        documents = data.get("accounts", [data])
        if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
            raise ValueError("`accounts` is not a list of plans")
        return documents
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise IamctlError(f"{plan_file}: not a saved iamctl plan ({error})") from None


def read_plan(document: dict[str, Any], plan_file: str) -> Plan:
    try:
        return plan_from_dict(document)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise IamctlError(f"{plan_file}: not a saved iamctl plan ({error})") from None


def is_saved_plan(path: str) -> bool:
    """Whether `path` is a saved plan (JSON with a `format_version`) rather than a file of the
    configuration (YAML with a `version`): `apply PLANFILE` tells them apart so."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data


@dataclass(frozen=True)
class SavedRun:
    """What `apply PLANFILE` plans again with, as `plan` did: the files, read again (their
    fingerprint must still be the saved one), the accounts, and how credentials were read."""

    files: tuple[str, ...]
    accounts: tuple[str, ...]
    exact_credentials: bool
    targets: tuple[Target, ...] = ()


def saved_run(plan_file: str) -> SavedRun:
    documents = saved_documents(plan_file)
    refuse_failed_accounts(documents, plan_file)
    if any(not isinstance(document.get("files"), list) for document in documents):
        raise IamctlError(
            f"{plan_file}: the plan does not name the files it was made from; name them: "
            f"apply FILE... --plan {plan_file}"
        )
    files = list(dict.fromkeys(str(f) for document in documents for f in document["files"]))
    for file in files:
        if not Path(file).exists():
            raise IamctlError(printable(
                f"{plan_file}: the plan was made from {file}, which is not there: run apply in "
                "the directory plan ran in, or name the files (apply FILE... --plan PLANFILE)"
            ))
    plans = [read_plan(document, plan_file) for document in documents]
    exact = any(document.get("read", {}).get("exact_credentials") for document in documents)
    # Every account of a run has the same targets; a hand-edited one is refused as typed.
    try:
        targets = tuple(parse_target(text) for text in plans[0].targets) if plans else ()
    except IamctlError as error:
        raise IamctlError(f"{plan_file}: not a saved iamctl plan ({error})") from None
    return SavedRun(tuple(files), tuple(p.account_id for p in plans), bool(exact), targets)


def saved_results(plan_file: str) -> list[AccountResult]:
    """A saved plan as `plan` printed it (`show`): each account's plan, or the error it had."""
    results = []
    for document in saved_documents(plan_file):
        if "error" not in document:
            plan = read_plan(document, plan_file)
            results.append(AccountResult(plan.account_id, plan=plan))
            continue
        try:
            account_id = str(document["account"]["id"])
        except (KeyError, TypeError) as error:
            raise IamctlError(f"{plan_file}: not a saved iamctl plan ({error})") from None
        results.append(AccountResult(account_id, error=IamctlError(str(document["error"]))))
    return results


def refuse_failed_accounts(documents: Sequence[dict[str, Any]], plan_file: str) -> None:
    """A saved plan in which an account failed to plan says nothing of what to do there."""
    for document in documents:
        if "error" in document:
            raise StalePlanError(
                f"{plan_file}: account {document['account']['id']} failed to plan when this "
                f"plan was made ({document['error']}); run plan again"
            )


def check_saved(planned: AccountPlan, saved: Plan, plan_file: str) -> None:
    fresh = planned.plan
    if saved.config_fingerprint != fresh.config_fingerprint:
        raise StalePlanError(
            f"{plan_file}: the plan was made from other configuration than "
            f"{', '.join(planned.config.files)}; run plan again"
        )
    if saved.targets != fresh.targets:
        whole = "the whole account"
        raise StalePlanError(
            f"{plan_file}: the plan was made for {_targets(saved.targets) or whole}, not "
            f"{_targets(fresh.targets) or whole}; run plan again (or apply the plan alone: "
            f"apply {plan_file})"
        )
    moved = saved.live_fingerprint != fresh.live_fingerprint
    if moved or undelivered(saved.changes) != undelivered(fresh.changes):
        raise StalePlanError(
            f"{plan_file}: plan is stale: account {fresh.account_id} changed since the plan was "
            f"made ({what_changed(saved, fresh)}); run plan again"
        )
    for kept, made in zip(saved.changes, fresh.changes, strict=True):
        refuse_other_destination(kept, made, plan_file)


def _targets(targets: Sequence[str]) -> str:
    return " ".join(f"--target {target}" for target in targets)


def undelivered(changes: Sequence[Change]) -> list[Change]:
    """The changes without their destinations, which `refuse_other_destination` compares."""
    return [replace(change, destination=None) for change in changes]


def refuse_other_destination(saved: Change, fresh: Change, plan_file: str) -> None:
    """Apply delivers a new secret where the saved plan showed it would, or not at all: its own
    options (`--secrets-to`, `--secrets-dir`) and the files decide where it delivers, and a plan
    made with others, or edited by hand, is refused before any change."""
    if fresh.destination is None:
        return
    what = f"the new {_secret_of(fresh)} of user {fresh.name}"
    if saved.destination is None:
        raise IamctlError(
            f"{plan_file}: the plan names no destination for {what}; run plan again; "
            "nothing was changed"
        )
    if not same_place(saved.destination, fresh.destination):
        raise IamctlError(printable(
            f"{plan_file}: the plan delivers {what} {place(saved.destination)}, but this apply "
            f"would deliver it {place(fresh.destination)}: give apply the --secrets-to and "
            "--secrets-dir the plan was made with, or run plan again; nothing was changed"
        ))


def _secret_of(change: Change) -> str:
    return "access key" if change.kind == ChangeKind.ACCESS_KEY else "console password"


def what_changed(saved: Plan, fresh: Plan) -> str:
    # Destinations aside: a saved plan that differs only in them is refused on its own terms.
    old = {change_lines(c)[0] for c in undelivered(saved.changes)}
    new = {change_lines(c)[0] for c in undelivered(fresh.changes)}
    dropped, added = sorted(old - new), sorted(new - old)
    parts = [f"no longer needed: {line}" for line in dropped[:3]]
    parts += [f"now also needed: {line}" for line in added[:3]]
    return "; ".join(parts) or "the account was modified outside iamctl"
