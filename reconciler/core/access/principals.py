"""Who may act in an account: its users and roles, and the outside principals trust admits.

Pure. A `Principal` is what a verdict names (`user bob`, `role deploy`, `AWS *`, `account
999999999999`, `federated token.actions.githubusercontent.com`, `service lambda.amazonaws.com`).
`trust_admits` reads a role's trust policy the way AWS's "Policy evaluation logic" pages
describe for roles:
- a principal of the same account named by its ARN may assume the role without any identity
  policy (the trust policy is a resource-based policy that names it);
- naming the account (`arn:aws:iam::ACCOUNT:root` or its id) admits whoever of that account an
  identity policy allows `sts:AssumeRole` on the role: `via_identity`;
- another account, `AWS *`, a federated provider or a service are outside principals; `*`
  admits every principal of every account, the account's own included.
A trust condition iamctl cannot decide leaves the admission MAYBE: wider, never narrower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..policy import catalog
from .conditions import Facts, Verdict, judge

USER, ROLE = "user", "role"
AWS_ANY, ACCOUNT, FEDERATED, SERVICE = "AWS", "account", "federated", "service"
ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")
_IAM_ENTITY = re.compile(r"^arn:[^:]+:iam::(\d{12}):(user|role)/(?:.*/)?([^/]+)$")


@dataclass(frozen=True, order=True)
class Principal:
    type: str  # AWS's principal type: USER, ROLE, AWS_ANY, ACCOUNT, FEDERATED, SERVICE
    name: str

    def __str__(self) -> str:
        return f"{self.type} {self.name}"

    @property
    def outside(self) -> bool:
        return self.type not in (USER, ROLE)


EVERYONE = Principal(AWS_ANY, "*")


@dataclass(frozen=True)
class Admission:
    """One way into a role: `who` (None with `via_identity`: any principal of the account whose
    identity policies allow assuming the role), under a trust verdict."""

    who: Principal | None
    verdict: Verdict
    via_identity: bool = False


def trust_admits(trust: dict[str, Any], account_id: str) -> list[Admission]:
    """Who a trust policy (meaning form) lets assume the role. A Deny of assuming it takes
    away the admissions of the principals it names (all of them for `*`): surely when it has
    no condition, else it leaves them MAYBE."""
    found = trust.get("Statement", [])
    statements = [s for s in (found if isinstance(found, list) else [found])
                  if isinstance(s, dict)]
    allowed = _allowed(statements, account_id)
    denies = [s for s in statements if s.get("Effect") == "Deny" and _names_assume(s)
              and "NotPrincipal" not in s]
    for deny in denies:
        verdict = judge(deny.get("Condition"), Facts())
        if verdict == Verdict.NO:
            continue
        named = _admissions(deny.get("Principal"), account_id, Verdict.YES)
        everyone = any(a.who == EVERYONE for a in named)
        kept = [_denied(a, named, everyone, verdict) for a in allowed]
        allowed = [a for a in kept if a is not None]
    return allowed


def _denied(admission: Admission, named: list[Admission], everyone: bool,
            verdict: Verdict) -> Admission | None:
    hit = everyone or any(a.who == admission.who and a.via_identity == admission.via_identity
                          for a in named)
    if not hit:
        return admission
    if verdict == Verdict.YES:
        return None
    return Admission(admission.who, min(admission.verdict, Verdict.MAYBE), admission.via_identity)


def _allowed(statements: list[dict[str, Any]], account_id: str) -> list[Admission]:
    admissions: list[Admission] = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement or not _names_assume(statement):
            if "NotPrincipal" in statement and _names_assume(statement):
                admissions.append(Admission(EVERYONE, Verdict.MAYBE))
            continue
        # The condition is judged for an unknown caller: only the clock can decide it here.
        verdict = judge(statement.get("Condition"), Facts())
        if verdict == Verdict.NO:
            continue
        admissions += _admissions(statement.get("Principal"), account_id, verdict)
    return admissions


def _names_assume(statement: dict[str, Any]) -> bool:
    actions = statement.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    return any(catalog.matches(wanted, str(pattern)) for pattern in actions
               for wanted in ASSUME_ACTIONS)


def _admissions(principal: Any, account_id: str, verdict: Verdict) -> list[Admission]:
    if principal == "*":
        return [Admission(EVERYONE, verdict), Admission(None, verdict, via_identity=True)]
    if not isinstance(principal, dict):
        return []
    found: list[Admission] = []
    for principal_type, values in principal.items():
        for value in values if isinstance(values, list) else [values]:
            found += _one(str(principal_type), str(value), account_id, verdict)
    return found


def _one(principal_type: str, value: str, account_id: str, verdict: Verdict) -> list[Admission]:
    if principal_type == "Federated":
        return [Admission(Principal(FEDERATED, provider_name(value)), verdict)]
    if principal_type == "Service":
        return [Admission(Principal(SERVICE, value.lower()), verdict)]
    if principal_type != "AWS":
        return [Admission(Principal(principal_type, value), verdict)]
    if value == "*":
        return [Admission(EVERYONE, verdict), Admission(None, verdict, via_identity=True)]
    account = _account_of(value)
    if account is None:  # a unique id (the principal was deleted) admits nobody now
        return []
    if account != account_id:
        return [Admission(Principal(ACCOUNT, account), verdict)]
    entity = _IAM_ENTITY.match(value)
    if entity:
        return [Admission(Principal(entity.group(2), entity.group(3)), verdict)]
    if ":assumed-role/" in value:  # a role session of this account: that role
        return [Admission(Principal(ROLE, value.split("/")[1]), verdict)]
    return [Admission(None, verdict, via_identity=True)]  # the account itself


def _account_of(value: str) -> str | None:
    if _ACCOUNT_ID.match(value):
        return value
    root = _ROOT.match(value)
    if root:
        return root.group(1)
    parts = value.split(":")
    return parts[4] if value.startswith("arn:") and len(parts) > 5 else None


def provider_name(value: str) -> str:
    """A federated principal as people read it: the OIDC host or the SAML provider's name."""
    if ":oidc-provider/" in value:
        return value.split(":oidc-provider/", 1)[1]
    if ":saml-provider/" in value:
        return "saml-provider/" + value.split(":saml-provider/", 1)[1]
    return value
