"""Permission impact of each change: broadens, narrows, neutral or unknown, and named risks.

Pure: `make_plan` calls `with_impact` on the diff's changes, with the desired and live states
to look documents up in. Conservative by rule: whatever might grow access is `broadens` (or
`unknown` when it cannot be told), never `narrows` or `neutral`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import aws_managed
from .escalation import risks_of, statement_allows
from .model import Action, Change, Document, Impact, Kind, Risk, State
from .payloads import ReplacedPolicy, RoleSpec, payload_as
from .policydoc import as_dict, canonical

Assessment = tuple[Impact, tuple[Risk, ...]]
NEUTRAL: Assessment = (Impact.NEUTRAL, ())
UNKNOWN: Assessment = (Impact.UNKNOWN, ())
_NO_DOCUMENT = object()  # an AWS managed policy iamctl knows only by name


@dataclass(frozen=True)
class Context:
    desired: State
    live: State


def with_impact(changes: Iterable[Change], desired: State, live: State) -> list[Change]:
    context = Context(desired, live)
    result = []
    for change in changes:
        impact, risks = assess(change, context)
        result.append(replace(change, impact=impact, risks=risks))
    return result


def assess(change: Change, context: Context) -> Assessment:
    # Every kind has its rule (tests/test_kinds.py): a new kind is a decision, never a default.
    return ASSESSORS[change.kind](change, context)


# Documents: granted, removed, changed.


def statements_of(document: Document) -> list[Any]:
    return list(as_dict(document).get("Statement", []))


def granted(documents: Sequence[Document | object]) -> Assessment:
    """Access that a new attachment, membership or inline policy gives."""
    known = [d for d in documents if isinstance(d, Document)]
    statements = [s for document in known for s in statements_of(document)]
    if len(known) == len(documents) and not any(_effect(s) != "Deny" for s in statements):
        return (Impact.NARROWS if statements else Impact.NEUTRAL), ()
    return Impact.BROADENS, tuple(risks_of(statements))


def removed(documents: Sequence[Document | object | None]) -> Assessment:
    """Removing grants narrows access, unless a Deny goes with them."""
    if any(document is None for document in documents):
        return UNKNOWN
    for document in documents:
        if document is _NO_DOCUMENT:
            continue
        if isinstance(document, Document) and any(
            _effect(s) != "Allow" for s in statements_of(document)
        ):
            return Impact.BROADENS, ()
    return Impact.NARROWS, ()


def changed(before: Document, after: Document) -> Assessment:
    """A document replaced by another (a new policy version, an inline policy rewritten)."""
    if before == after:
        return NEUTRAL
    old, new = as_dict(before), as_dict(after)
    if old.get("Version") != new.get("Version") or not _well_formed(old) or not _well_formed(new):
        return Impact.UNKNOWN, _new_risks(old, new)
    old_statements, new_statements = old.get("Statement", []), new.get("Statement", [])
    added = [s for s in new_statements if s not in old_statements]
    gone = [s for s in old_statements if s not in new_statements]
    if any(s["Effect"] == "Deny" for s in gone):
        return Impact.BROADENS, _new_risks(old, new)
    allows = [s for s in old_statements if s["Effect"] == "Allow"]
    if any(s["Effect"] == "Allow" and not _already_allowed(s, allows) for s in added):
        return Impact.BROADENS, _new_risks(old, new)
    kept = [s for s in new_statements if s["Effect"] == "Allow"]
    lost = [s for s in gone if s["Effect"] == "Allow" and not _already_allowed(s, kept)]
    if lost or any(s["Effect"] == "Deny" for s in added):
        return Impact.NARROWS, ()
    return NEUTRAL  # the same grants, written another way


def _new_risks(old: dict[str, Any], new: dict[str, Any]) -> tuple[Risk, ...]:
    before = set(risks_of(old.get("Statement", [])))
    return tuple(r for r in risks_of(new.get("Statement", [])) if r not in before)


def _well_formed(document: dict[str, Any]) -> bool:
    return all(
        isinstance(s, dict) and s.get("Effect") in ("Allow", "Deny")
        for s in document.get("Statement", [])
    )


def _effect(statement: Any) -> str:
    return str(statement.get("Effect")) if isinstance(statement, dict) else ""


def _already_allowed(statement: dict[str, Any], allows: list[dict[str, Any]]) -> bool:
    """Every action of the statement is allowed on the same resources with the same conditions
    (and principals) by the other document's statements `allows`."""
    if "Action" not in statement:
        return False  # NotAction: judged as new, whatever the old document said
    scope = _scope(statement)
    same = [s for s in allows if "Action" in s and _scope(s) == scope]
    return all(statement_allows(same, action) for action in statement["Action"])


def _scope(statement: dict[str, Any]) -> str:
    keys = ("Resource", "NotResource", "Condition", "Principal", "NotPrincipal")
    return json.dumps({key: statement.get(key) for key in keys}, sort_keys=True)


# Where documents come from.


def policy_document(arn: str, context: Context, after: bool) -> Document | object | None:
    """The document of a managed policy by ARN: after apply (desired first) or before (live
    first). An AWS managed policy iamctl has no document of is `_NO_DOCUMENT`."""
    name = arn.rsplit("/", 1)[-1]
    if arn.split(":")[4:5] == ["aws"]:
        known = aws_managed.document(name)
        return canonical(known) if known else _NO_DOCUMENT
    sides = (context.desired, context.live) if after else (context.live, context.desired)
    for state in sides:
        policy = state.policies.get(name)
        if policy is not None and policy.document.text:
            return policy.document
    return None


def removed_policy(arn: str, context: Context) -> Assessment:
    if arn.split(":")[4:5] == ["aws"]:
        holds_deny = aws_managed.holds_deny(arn.rsplit("/", 1)[-1])
        if holds_deny is None:  # newer than iamctl's data: it may hold a Deny
            return UNKNOWN
        if holds_deny:
            return Impact.BROADENS, ()
    return removed([policy_document(arn, context, after=False)])


def group_documents(name: str, context: Context, after: bool) -> list[Document | object | None]:
    state = context.desired if after else context.live
    group = state.groups.get(name)
    if group is None:
        return [None]
    documents = [policy_document(arn, context, after) for arn in sorted(group.policies)]
    return documents + list(group.inline_policies.values())


# One assessor per kind of change.


def _attachment(change: Change, context: Context) -> Assessment:
    if change.action == Action.CREATE:
        document = policy_document(change.target, context, after=True)
        return granted([document if document is not None else _NO_DOCUMENT])
    return removed_policy(change.target, context)


def _inline(change: Change, context: Context) -> Assessment:
    if change.action == Action.CREATE:
        return granted([canonical(change.after)])
    if change.action == Action.DELETE:
        return removed([canonical(change.before)])
    return changed(canonical(change.before), canonical(change.after))


def _policy(change: Change, context: Context) -> Assessment:
    if change.action == Action.CREATE:
        return NEUTRAL  # a policy grants nothing until attached (its attachments are judged)
    policy = context.live.policies.get(change.name)
    return removed([policy.document if policy else None])


def _policy_document(change: Change, context: Context) -> Assessment:
    return changed(canonical(change.before), canonical(change.after))


def _replacement(change: Change, context: Context) -> Assessment:
    before = payload_as(change.before, ReplacedPolicy).policy
    after = payload_as(change.after, ReplacedPolicy).policy
    return changed(canonical(before.document), canonical(after.document))


def _membership(change: Change, context: Context) -> Assessment:
    if change.action == Action.CREATE:
        documents = group_documents(change.target, context, after=True)
        _, risks = granted([d if d is not None else _NO_DOCUMENT for d in documents])
        return Impact.BROADENS, risks  # a new member of an empty group may gain it later
    return removed(group_documents(change.target, context, after=False))


def _member(change: Change, context: Context) -> Assessment:
    """An out-of-band member leaving a declared group (only ever a removal)."""
    return removed(group_documents(change.name, context, after=False))


def _identity_provider(change: Change, context: Context) -> Assessment:
    """A provider by itself grants nothing: the roles that trust it are judged on their trust.
    Deleting one (or one of its audiences) takes a way in away; a new provider or audience may
    let in tokens a role already trusts, and new metadata or thumbprints new signing keys."""
    if change.action == Action.DELETE:
        return Impact.NARROWS, ()
    if change.kind == Kind.OIDC_CLIENT_ID:
        return Impact.BROADENS, ()
    return UNKNOWN


def _user(change: Change, context: Context) -> Assessment:
    if change.action == Action.DELETE:
        return Impact.NARROWS, ()  # no principal left to hold or be denied anything
    user = context.desired.users.get(change.name)
    holds = user is not None and (user.groups or user.policies or user.inline_policies)
    return (Impact.BROADENS, ()) if holds else NEUTRAL


def _group(change: Change, context: Context) -> Assessment:
    if change.action == Action.CREATE:
        return NEUTRAL  # empty: its attachments and members are judged one by one
    return removed(group_documents(change.name, context, after=False))


def _credential(change: Change, context: Context) -> Assessment:
    # Impact is about permissions: a new access key or console password is a new way in for
    # the same permissions (a key rotation must not trip `--fail-on broadening`); the user's
    # permissions are judged on their own changes. Removing one takes a way in away.
    return NEUTRAL if change.action == Action.CREATE else (Impact.NARROWS, ())


def _role(change: Change, context: Context) -> Assessment:
    """A new role: whoever its trust policy names may now assume it (each a `trust` risk); what
    the role may do is judged on its attachments and inline policies."""
    if change.action == Action.DELETE:
        return Impact.NARROWS, ()  # no role left to assume
    trust = payload_as(change.after, RoleSpec).trust  # always one (`role_spec`)
    return Impact.BROADENS, tuple(risks_of(statements_of(canonical(trust))))


def _trust(change: Change, context: Context) -> Assessment:
    """A trust policy, principal by principal: one that may assume the role under terms it
    could not before (a new principal, or a statement's action or condition changed for it)
    broadens, naming the principals not trusted before (`trust` risks); only principals gone
    (or a Deny added) narrows."""
    old, new = as_dict(canonical(change.before)), as_dict(canonical(change.after))
    if old.get("Version") != new.get("Version") or not _well_formed(old) or not _well_formed(new):
        return Impact.UNKNOWN, _new_risks(old, new)
    old_statements, new_statements = old.get("Statement", []), new.get("Statement", [])
    denies_gone = any(s["Effect"] == "Deny" and s not in new_statements for s in old_statements)
    before, after = _trusted_grants(old_statements), _trusted_grants(new_statements)
    if denies_gone or after - before:
        return Impact.BROADENS, _new_risks(old, new)
    denies_added = any(s["Effect"] == "Deny" and s not in old_statements for s in new_statements)
    if before - after or denies_added:
        return Impact.NARROWS, ()
    return NEUTRAL


def _trusted_grants(statements: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """Each (terms, principal type, principal) an Allow statement trusts; the terms are the rest
    of the statement (actions, conditions). In the meaning form, principals are lists and keys
    are sorted; `"*"` (not a mapping) and a NotPrincipal statement are one grant each."""
    grants = set()
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        principal = statement.get("Principal")
        terms = json.dumps({k: v for k, v in statement.items() if k != "Principal"})
        if not isinstance(principal, dict):
            principal = {"": [json.dumps(principal)]}
        grants |= {(terms, kind, str(value)) for kind, values in principal.items()
                   for value in values}
    return grants


def _boundary(change: Change, context: Context) -> Assessment:
    """A boundary caps what the policies grant: removing it broadens, adding one narrows, and
    one boundary for another may do either."""
    if change.action == Action.CREATE:
        return Impact.NARROWS, ()
    if change.action == Action.DELETE:
        return Impact.BROADENS, ()
    return UNKNOWN


def _instance_profile(change: Change, context: Context) -> Assessment:
    # A profile lets an EC2 instance launched with it act as the role (if its trust allows):
    # whether that grows access depends on who may launch instances with it.
    return UNKNOWN if change.action == Action.CREATE else (Impact.NARROWS, ())


def _unknown(change: Change, context: Context) -> Assessment:
    return UNKNOWN


def _neutral(change: Change, context: Context) -> Assessment:
    return NEUTRAL


ASSESSORS: dict[Kind, Callable[[Change, Context], Assessment]] = {
    Kind.POLICY: _policy,
    Kind.POLICY_REPLACEMENT: _replacement,
    Kind.POLICY_DOCUMENT: _policy_document,
    # Tags and paths can decide conditions (`aws:PrincipalTag`, ARNs with a path): unknown.
    Kind.POLICY_TAGS: _unknown,
    Kind.GROUP: _group,
    Kind.GROUP_PATH: _unknown,
    Kind.GROUP_POLICY: _attachment,
    Kind.GROUP_INLINE_POLICY: _inline,
    Kind.USER: _user,
    Kind.USER_PATH: _unknown,
    Kind.USER_TAGS: _unknown,
    Kind.USER_GROUP: _membership,
    Kind.USER_POLICY: _attachment,
    Kind.USER_INLINE_POLICY: _inline,
    Kind.LOGIN_PROFILE: _credential,
    Kind.ACCESS_KEY: _credential,
    Kind.ACCESS_KEY_STATUS: _credential,  # only ever deactivation: a way in taken away
    Kind.ALIAS: _neutral,
    Kind.PASSWORD_POLICY: _neutral,
    # Roles and boundaries.
    Kind.USER_BOUNDARY: _boundary,
    Kind.ROLE: _role,
    Kind.ROLE_SETTINGS: _neutral,  # a description; how long a session lasts, not what it may do
    Kind.ROLE_TRUST: _trust,
    Kind.ROLE_BOUNDARY: _boundary,
    Kind.ROLE_TAGS: _unknown,
    Kind.ROLE_POLICY: _attachment,
    Kind.ROLE_INLINE_POLICY: _inline,
    Kind.INSTANCE_PROFILE: _instance_profile,
    Kind.GROUP_MEMBER: _member,
    # Identity providers.
    Kind.OIDC_PROVIDER: _identity_provider,
    Kind.OIDC_CLIENT_ID: _identity_provider,
    Kind.OIDC_THUMBPRINTS: _identity_provider,
    Kind.OIDC_PROVIDER_TAGS: _unknown,
    Kind.SAML_PROVIDER: _identity_provider,
    Kind.SAML_METADATA: _identity_provider,
    Kind.SAML_PROVIDER_TAGS: _unknown,
}
