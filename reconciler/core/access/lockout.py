"""Self-lockout from the access model: changes after which the identity running iamctl can no
longer make the calls iamctl makes, or can no longer start its next run.

Pure. The caller (`Caller`: an IAM user and its access key, or the role it assumed) is asked,
for each of iamctl's calls (`IAMCTL_ACTIONS`, the apply role of
`examples/github-actions/bootstrap.yaml`, which a test keeps in step), whether it may still
make it: with the change alone, and within the plan. A call it surely had and now may not
surely have is lost, whatever took it away: a detached policy, a Deny (`mfa: enforced`'s
deny-without-MFA included: calls made with an access key carry no MFA), a boundary, the role
or user deleted. Besides permissions, the next run needs a way in: the access key in use, and
for a role, what `way_in.py` checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..arns import policy_name
from ..changes import Action, Change, ChangeKind
from ..kinds.declared import DECLARED
from ..state import Caller, State
from .applied import applied, apply_change, reverted, with_new_policies
from .ceiling import ORGANIZATIONS_CALLS, cuts_off_by_ceiling, lost_calls
from .conditions import Verdict
from .documents import Documents
from .model import AccessModel
from .principals import ROLE, USER, Principal
from .way_in import way_in_reason

IAMCTL_ACTIONS = (
    # Reading the account (the plan role).
    "iam:GenerateCredentialReport", "iam:GetAccessKeyLastUsed",
    "iam:GetAccountAuthorizationDetails", "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary", "iam:GetCredentialReport", "iam:GetGroup", "iam:GetInstanceProfile",
    "iam:GetLoginProfile", "iam:GetOpenIDConnectProvider", "iam:GetPolicy",
    "iam:GetPolicyVersion", "iam:GetRole", "iam:GetSAMLProvider", "iam:GetUser",
    "iam:ListAccessKeys", "iam:ListAccountAliases", "iam:ListAttachedGroupPolicies",
    "iam:ListAttachedRolePolicies", "iam:ListAttachedUserPolicies", "iam:ListEntitiesForPolicy",
    "iam:ListGroupPolicies", "iam:ListGroupsForUser", "iam:ListInstanceProfilesForRole",
    "iam:ListMFADevices", "iam:ListOpenIDConnectProviders", "iam:ListPolicies",
    "iam:ListPolicyTags", "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListRoles",
    "iam:ListSAMLProviders", "iam:ListSSHPublicKeys", "iam:ListServiceSpecificCredentials",
    "iam:ListSigningCertificates", "iam:ListUserPolicies", "iam:ListVirtualMFADevices",
    # Changing it (the apply role).
    "iam:AddClientIDToOpenIDConnectProvider", "iam:AddRoleToInstanceProfile",
    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateAccountAlias", "iam:CreateGroup",
    "iam:CreateInstanceProfile", "iam:CreateLoginProfile", "iam:CreateOpenIDConnectProvider",
    "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:CreateSAMLProvider",
    "iam:CreateUser", "iam:DeactivateMFADevice", "iam:DeleteAccessKey",
    "iam:DeleteAccountAlias", "iam:DeleteGroup", "iam:DeleteGroupPolicy",
    "iam:DeleteInstanceProfile", "iam:DeleteLoginProfile", "iam:DeleteOpenIDConnectProvider",
    "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DeleteSAMLProvider",
    "iam:DeleteSSHPublicKey", "iam:DeleteServiceSpecificCredential",
    "iam:DeleteSigningCertificate", "iam:DeleteUser", "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteUserPolicy", "iam:DeleteVirtualMFADevice", "iam:DetachGroupPolicy",
    "iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:PassRole", "iam:PutGroupPolicy",
    "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy", "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:RemoveRoleFromInstanceProfile", "iam:RemoveUserFromGroup",
    "iam:TagOpenIDConnectProvider", "iam:TagPolicy", "iam:TagRole", "iam:TagSAMLProvider",
    "iam:TagUser", "iam:UntagOpenIDConnectProvider", "iam:UntagPolicy", "iam:UntagRole",
    "iam:UntagSAMLProvider", "iam:UntagUser", "iam:UpdateAccessKey",
    "iam:UpdateAccountPasswordPolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateGroup",
    "iam:UpdateOpenIDConnectProviderThumbprint", "iam:UpdateRole", "iam:UpdateSAMLProvider",
    "iam:UpdateUser",
    # The calls of the kinds declared in modules of their own, each declaring its own.
    *(action for kind in DECLARED for action in kind.iam_actions),
)
_SHOWN = 3  # calls named in a lockout line; the count says how many more
# The kinds declared in modules of their own that say how a change cuts the caller off.
_CUTS_OFF = {kind_spec.kind: kind.cuts_off for kind in DECLARED if kind.cuts_off
             for kind_spec in kind.changes}


class Lockout:
    """The caller's calls in the live model, and each change's verdict on them."""

    def __init__(self, changes: Sequence[Change], desired: State, live: State, caller: Caller,
                 documents: Documents) -> None:
        self.changes, self.desired, self.live = changes, desired, live
        self.documents = documents
        self.caller = caller
        self.who = _principal(caller, live)
        self.before = AccessModel.of(live, documents)
        self._after: AccessModel | None = None
        self._lost: tuple[str, ...] | None = None
        self.held = {action: self._own(self.before, action)
                     for action in IAMCTL_ACTIONS} if self.who else {}

    def _own(self, model: AccessModel, action: str) -> Verdict:
        """The caller's own permission: its credentials are its user's or its role's, so a
        role it could assume gives its calls nothing (another run could assume it; this one
        signs as itself)."""
        assert self.who is not None
        return model.own_answer(self.who, action, "*").verdict

    def reason(self, change: Change) -> str:
        ceiling = cuts_off_by_ceiling(change, self.lost_to_ceiling(), self.live)
        if ceiling:
            return ceiling
        declared = _CUTS_OFF.get(change.kind)
        if declared is not None:  # a kind the model does not see says it itself
            return declared(change, self.caller, self.live.account.id)
        if self.who is None:
            return ""  # the root user, or credentials iamctl cannot place: IAM cannot cut them
        calls = self._calls(change) if self._may_touch(change) else None
        return self._credentials(change) or self._way_in(change) or calls or ""

    def _may_touch(self, change: Change) -> bool:
        """Whether the change acts on what gives the caller its permissions (its user, groups,
        policies, boundary; or its role and the policies it holds): the others cannot lock it
        out, and a plan of thousands of changes asks the model only about these."""
        assert self.who is not None
        name = change.name.lower()
        if self.who.type == USER:
            user = self.live.users.get(self.who.name)
            wanted = self.desired.users.get(self.who.name)
            in_groups = {g for u in (user, wanted) if u for g in u.groups}
            groups = {g.lower() for g in in_groups}
            if change.kind == ChangeKind.GROUP_MEMBER:
                return change.target.lower() == self.who.name.lower()
            if change.kind.value.startswith(("user", "login", "access")):
                return name == self.who.name.lower()
            if change.kind.value.startswith("group"):
                return name in groups
            held = {policy_name(a).lower() for u in (user, wanted) if u
                    for a in (*u.policies, u.permissions_boundary or "")}
            held |= {policy_name(a).lower() for g in in_groups
                     for state in (self.live, self.desired)
                     for a in (state.groups[g].policies if g in state.groups else ())}
            return change.kind.value.startswith("policy") and name in held
        if change.kind.value.startswith(("role", "instance")):
            return name == self.who.name.lower()
        return change.kind.value.startswith("policy")  # one the role holds: the model tells

    def _calls(self, change: Change) -> str | None:
        assert self.who is not None
        alone = apply_change(with_new_policies(self.live, self.desired), change, self.desired)
        models = [AccessModel.of(alone, self.documents)]
        if change.kind == ChangeKind.POLICY and change.action == Action.REPLACE:
            # Replaced by delete and create: detached in between, and apply may need it to
            # re-attach it.
            gone = Change(Action.DELETE, ChangeKind.POLICY, change.name)
            models.append(AccessModel.of(apply_change(self.live, gone, self.desired),
                                         self.documents))
        if len(self.changes) > 1:
            after = self.after()
            models.append(AccessModel.of(reverted(after.state, change, self.live, self.desired),
                                         self.documents))
            models.append(after)
        unread = sorted({u for m in models if (held := m.holder(self.who)) is not None
                         for u in held.unread})
        if unread:
            return f"{self.who} may lose iamctl's calls: iamctl could not read {', '.join(unread)}"
        lost = [action for action in IAMCTL_ACTIONS if self.held[action] == Verdict.YES
                and any(self._own(m, action) != Verdict.YES for m in models)]
        if not lost:
            return None
        more = f" and {len(lost) - _SHOWN} more" if len(lost) > _SHOWN else ""
        return (f"{self.who} may no longer call {', '.join(lost[:_SHOWN])}{more} "
                f"(of the calls iamctl makes)")

    def lost_to_ceiling(self) -> tuple[str, ...]:
        """iamctl's calls the organisation's SCPs take from the account it runs in: worked out
        once for the plan (`ceiling.py`)."""
        if self._lost is None:
            self._lost = lost_calls(self.desired, self.live,
                                    (*IAMCTL_ACTIONS, *ORGANIZATIONS_CALLS))
        return self._lost

    def after(self) -> AccessModel:
        if self._after is None:
            self._after = AccessModel.of(applied(self.live, self.changes, self.desired),
                                         self.documents)
        return self._after

    def _credentials(self, change: Change) -> str | None:
        key = self.caller.access_key_id
        if self.who != Principal(USER, self.caller.user or "") or not key:
            return None
        if change.kind == ChangeKind.ACCESS_KEY and change.action == Action.DELETE \
                and change.target == key:
            return "deletes the access key these credentials use"
        if change.kind == ChangeKind.ACCESS_KEY_STATUS and change.target == key \
                and change.after == "Inactive":
            return "deactivates the access key these credentials use"
        return None

    def _way_in(self, change: Change) -> str | None:
        if self.who is None or self.who.type != ROLE:
            return None
        roles = {**self.live.roles, **self.live.aws_roles}
        return way_in_reason(change, roles.get(self.who.name), self.live)


def mark_self_lockout(changes: Sequence[Change], desired: State, live: State, caller: Caller,
                      documents: Documents) -> tuple[Change, ...]:
    """The changes, each with `self_lockout` saying how it would cut off the caller (or "")."""
    lockout = Lockout(changes, desired, live, caller, documents)
    return tuple(_marked(change, lockout.reason(change)) for change in changes)


def _marked(change: Change, reason: str) -> Change:
    return replace(change, self_lockout=reason) if reason != change.self_lockout else change


def _principal(caller: Caller, live: State) -> Principal | None:
    if caller.role:
        found = next((name for name in {**live.roles, **live.aws_roles}
                      if name.lower() == caller.role.lower()), None)
        return Principal(ROLE, found) if found else None
    if caller.user:
        found = next((name for name in live.users if name.lower() == caller.user.lower()), None)
        return Principal(USER, found) if found else None
    return None
