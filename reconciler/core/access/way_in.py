"""Self-lockout's other half: what the next run needs to get in, for credentials that run as
a role. The running session keeps its credentials; a change to how the role is reached stops
the next run from starting (pure).

- a new trust policy for the caller's role: marked unless it still admits every principal,
  for every action, that the old one admitted (under no condition the old one did not set)
  and adds no Deny; the principal that assumed the role may be any of them;
- an OIDC client id (the audience of tokens) the role's trust accepts, or an identity provider
  it trusts, removed;
- a user or role its trust names by ARN deleted (role chaining: the next run starts from it).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from ..changes import Action, Change, ChangeKind
from ..policy.trust import loaded, principal_values, statement_list, trust_meaning
from ..policy.trust_conditions import positive_blocks
from ..state import Role, State

# (principal, action, conditions): one thing a trust statement admits or denies, each
# condition an (operator, key, values) test that must hold.
_Condition = frozenset[tuple[str, str, str]]
_Admission = tuple[str, str, _Condition]
_Read = tuple[set[_Admission], set[_Admission]]  # allowed, denied


def way_in_reason(change: Change, role: Role | None, live: State) -> str | None:
    """Why the change stops the next run of credentials running as `role` (None if not)."""
    if role is None:
        return None
    if change.kind == ChangeKind.ROLE_TRUST and change.name.lower() == role.name.lower():
        return _trust(change, role, live.account.partition)
    if change.kind in (ChangeKind.OIDC_PROVIDER, ChangeKind.SAML_PROVIDER) \
            and change.action == Action.DELETE:
        return _provider(change, role)
    if change.kind == ChangeKind.OIDC_CLIENT_ID and change.action == Action.DELETE:
        return _client_id(change, role)
    if change.kind in (ChangeKind.USER, ChangeKind.ROLE) and change.action == Action.DELETE:
        return _trusted(change, role, live)
    return None


def _runs_as(role: Role) -> str:
    return f"role {role.name}, which these credentials run as"


def _trust(change: Change, role: Role, partition: str) -> str | None:
    who = f"who may assume role {change.name}, which these credentials run as"
    read = _read_both(change, partition)
    if read is None:  # not documents iamctl can read: it cannot judge
        return (f"changes {who}, and iamctl cannot read the trust policy to tell whether it "
                "still admits the principal that assumed the role")
    before, after = read
    lost = {admission for admission in before[0] if not _still_admitted(admission, after[0])}
    denied = after[1] - before[1]
    if not lost and not denied:
        return None
    what = [f"{_principals(lost)} no longer admitted as before"] if lost else []
    what += [f"a Deny added for {_principals(denied)}"] if denied else []
    return f"changes {who}: {'; '.join(what)} (iamctl cannot tell which principal assumed it)"


def _read_both(change: Change, partition: str) -> tuple[_Read, _Read] | None:
    if not isinstance(change.before, str) or not isinstance(change.after, str):
        return None
    try:
        return _admissions(change.before, partition), _admissions(change.after, partition)
    except (TypeError, ValueError):  # JSON that does not parse, or a shape that does not fold
        return None


def _admissions(text: str, partition: str) -> _Read:
    """What a trust policy allows and denies, in canonical form (`trust_meaning`: an account id
    is its root ARN, action names ignore case, condition keys too)."""
    allowed: set[_Admission] = set()
    denied: set[_Admission] = set()
    meaning = trust_meaning(loaded(text), partition)
    for item in statement_list(meaning):
        condition = _tests(item.get("Condition"))
        found = allowed if item.get("Effect") == "Allow" else denied
        actions = item.get("Action")
        for principal in _principal_names(item.get("Principal")):
            for action in actions if isinstance(actions, list) else [actions]:
                found.add((principal, str(action), condition))
    return allowed, denied


def _tests(condition: Any) -> _Condition:
    if condition is None:
        return frozenset()
    if not isinstance(condition, dict):  # not a shape IAM accepts: kept whole, as one test
        return frozenset({("", "", json.dumps(condition, sort_keys=True))})
    return frozenset(
        (operator, key, json.dumps(values, sort_keys=True))
        for operator, block in condition.items()
        for key, values in (block.items() if isinstance(block, dict) else [("", block)])
    )


def _still_admitted(admission: _Admission, allowed: set[_Admission]) -> bool:
    """Whether a statement of the new policy admits the same principal for the same action
    under some of the old conditions only (each test that holds still holds)."""
    principal, action, condition = admission
    return any(p == principal and a == action and c <= condition for p, a, c in allowed)


def _principal_names(principal: Any) -> list[str]:
    """`AWS arn:aws:iam::111111111111:root`, `Federated ...`, `Service ...`; `"*"` is `AWS *`."""
    return [f"{principal_type} {value}" for principal_type in ("AWS", "Service", "Federated")
            for value in principal_values(principal, principal_type)]


def _principals(admissions: set[_Admission]) -> str:
    return ", ".join(sorted({principal for principal, _, _ in admissions}))


def _trusting_statements(role: Role, provider_arn: str) -> list[dict[str, Any]]:
    """The Allow statements of the role (as the account holds it) that admit users of the
    identity provider `provider_arn`."""
    if role.trust is None:
        return []
    return [
        item for item in statement_list(role.trust.text)
        if item.get("Effect") == "Allow"
        and any(provider_arn.lower() == value.lower()
                for value in principal_values(item.get("Principal"), "Federated"))
    ]


def _provider(change: Change, role: Role) -> str | None:
    """An OIDC or SAML provider deleted (or, its URL changed, replaced) that the role trusts:
    the next run cannot sign in through it."""
    if not _trusting_statements(role, change.target):
        return None
    return f"deletes a provider that {_runs_as(role)}, trusts"


def _client_id(change: Change, role: Role) -> str | None:
    """AWS accepts a token only if its audience is one of the provider's client ids: removing
    one stops the next run when the role's trust accepts that audience, or any."""
    client = str(change.before)
    for item in _trusting_statements(role, change.target):
        audiences = _audiences(item, f"{change.name}:aud")
        if audiences is None:
            return (f"removes client id {client} of a provider that {_runs_as(role)}, trusts "
                    "for any audience")
        if any(_admits(client, pattern, like) for like, patterns in audiences
               for pattern in patterns):
            return (f"removes client id {client}, which {_runs_as(role)}, requires of this "
                    "provider's tokens")
    return None


def _audiences(item: dict[str, Any], key: str) -> list[tuple[bool, list[str]]] | None:
    """The audiences a trust statement accepts, as (is a pattern, values) blocks; None when no
    condition limits them. An audience is a claim every token carries: qualified operators
    count too."""
    condition = item.get("Condition")
    found = positive_blocks(condition, key, always_present=True) \
        if isinstance(condition, dict) else []
    return [(block.is_pattern, list(block.values)) for block in found] or None


def _admits(client: str, value: str, like: bool) -> bool:
    """Whether a condition value accepts the client id (ignoring case, which only ever marks
    more changes)."""
    if like:
        return fnmatchcase(client.lower(), value.lower())
    return client.lower() == value.lower()


def _trusted(change: Change, role: Role, live: State) -> str | None:
    """A user or role deleted that the caller's role trusts by ARN: it may be the one that
    assumed the role (role chaining), and the next run would start from it."""
    deleted = (live.users if change.kind == ChangeKind.USER else live.roles).get(change.name)
    if role.trust is None or deleted is None or not deleted.arn:
        return None
    trusted = {
        value.lower() for item in statement_list(role.trust.text)
        if item.get("Effect") == "Allow" for value in principal_values(item.get("Principal"), "AWS")
    }
    if deleted.arn.lower() not in trusted:
        return None
    kind = "user" if change.kind == ChangeKind.USER else "role"
    return f"deletes {kind} {change.name}, which {_runs_as(role)}, trusts"
