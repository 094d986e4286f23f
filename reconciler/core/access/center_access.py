"""`iamctl access --action` for IAM Identity Center: which groups and users may perform the
action, through which permission set, in which accounts, once the files are applied.

A permission set is the role Identity Center makes for it in each account it is assigned in,
holding its AWS managed policies and inline policy within its boundary (`set_powers` judges the
same role): the access model answers for that role. A customer managed policy is each account's
own document, which the management account's read does not hold: a set that names one may
grant the action through it, and says so (conditional). In an account whose service control
policies the run knows (`ceiling.py`), the answer is capped by them.

Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..kinds.declared._permission_set_access import permission_set, role_parts
from ..kinds.declared.assignments import LABELS, Assignments
from ..state import State
from .ceiling import Ceiling
from .conditions import Verdict
from .documents import Documents
from .grants import Answer
from .permission_set_powers import set_model


@dataclass(frozen=True)
class CenterGrantee:
    principal: str  # "group platform", "user alice@example.com"
    permission_set: str
    via: tuple[str, ...]
    accounts: tuple[str, ...]  # where it may
    conditional: tuple[str, ...]  # of those, where only under conditions iamctl cannot decide

    def to_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "permission_set": self.permission_set,
                "via": list(self.via), "accounts": list(self.accounts),
                "conditional_in": list(self.conditional)}


def center_who_can(desired: State, live: State, documents: Documents, action: str,
                   resource: str, ceilings: Mapping[str, Ceiling]) -> list[CenterGrantee]:
    """Each principal the files' assignments give a set that may perform the action."""
    found: list[CenterGrantee] = []
    wanted: Mapping[str, Assignments] = desired.declared.get("assignments", {})
    read: Mapping[str, Assignments] = live.declared.get("assignments", {})
    for name, assignments in sorted(wanted.items()):
        held = permission_set(name, desired) or permission_set(name, live)
        answer = _set_answer(held, documents, action, resource)
        if answer.verdict == Verdict.NO:
            continue
        targets = read[name].targets if name in read else {}
        for kind, principal in sorted({(g.principal_type, g.principal)
                                       for g in assignments.grants}):
            accounts = sorted({account for grant in assignments.grants
                               if (grant.principal_type, grant.principal) == (kind, principal)
                               for account in targets.get(grant.account, ())})
            verdicts = {account: _capped(answer, ceilings.get(account), action, resource)
                        for account in accounts}
            may = tuple(a for a in accounts if verdicts[a] != Verdict.NO)
            if may:
                found.append(CenterGrantee(
                    f"{LABELS[kind]} {principal}", name, answer.via, may,
                    tuple(a for a in may if verdicts[a] == Verdict.MAYBE)))
    return found


def _set_answer(held: Any, documents: Documents, action: str, resource: str) -> Answer:
    """What the set's role may do; a set the run could not read, or one naming customer
    managed policies, may do anything those hold: conditional."""
    if held is None:
        return Answer(Verdict.MAYBE, ("a permission set iamctl did not read",))
    model, role = set_model(documents, *role_parts(held))
    answer = model.answer(role, action, resource)
    if answer.verdict == Verdict.YES or not held.customer_policies:
        return answer
    names = ", ".join(sorted(held.customer_policies))
    return Answer(Verdict.MAYBE, (*answer.via, f"customer managed policy {names} (each "
                                               "account's own, not read)"))


def _capped(answer: Answer, ceiling: Ceiling | None, action: str, resource: str) -> Verdict:
    if ceiling is None:
        return answer.verdict
    return min(answer.verdict, ceiling.decide(action, resource).verdict)


def center_text(action: str, grantees: list[CenterGrantee]) -> str:
    if not grantees:
        return ""
    lines = [f"may call {action} through IAM Identity Center once the files are applied:"]
    width = max(len(g.principal) for g in grantees)
    for grantee in grantees:
        count = len(grantee.accounts)
        where = f"{count} account{'s' if count != 1 else ''}"
        maybe = f" ({len(grantee.conditional)} if conditions hold)" if grantee.conditional \
            else ""
        chain = " > ".join((f"permission set {grantee.permission_set}", *grantee.via))
        lines.append(f"  {grantee.principal:<{width}}  via {chain} in {where}{maybe}")
    return "\n".join(lines) + "\n"
