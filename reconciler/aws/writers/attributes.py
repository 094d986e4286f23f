"""Writers for what users, groups and roles alike hold: path, tags, attached managed policies,
inline policies, permissions boundaries. One writer each, made for an owner kind (`"user"`,
`"group"`, `"role"`, and `"policy"` and the providers for tags), the way IAM's calls are named
after the owner
(`tag_user`, `tag_role`).

AWS accepts an attach, a put or a tag twice, so none of these needs lost-answer handling."""

from __future__ import annotations

from collections.abc import Callable

from ...core.arns import short_policy, tag_list
from ...core.changes import Action, Change, ChangeKind
from ...core.payloads import tags_of, text_of
from .base import WriteContext, Writer, call, register, remove


def _by_name(parameter: str) -> Callable[[Change], dict[str, str]]:
    return lambda change: {parameter: change.name}


def _by_arn(parameter: str) -> Callable[[Change], dict[str, str]]:
    return lambda change: {parameter: change.target}


# How IAM's calls name an owner (`tag_<api>`, `<Param>`), by the owner kind a plan names.
OWNERS: dict[str, tuple[str, Callable[[Change], dict[str, str]]]] = {
    "user": ("user", _by_name("UserName")),
    "group": ("group", _by_name("GroupName")),
    "role": ("role", _by_name("RoleName")),
    "policy": ("policy", _by_arn("PolicyArn")),  # a customer managed policy, by its ARN
    "OIDC provider": ("open_id_connect_provider", _by_arn("OpenIDConnectProviderArn")),
    "SAML provider": ("saml_provider", _by_arn("SAMLProviderArn")),
}


def owner_parameters(owner: str, change: Change) -> dict[str, str]:
    return OWNERS[owner][1](change)


def path_mover(owner: str) -> Writer:
    """UpdateUser / UpdateGroup with NewPath (a role's path is fixed at creation)."""

    def move(ctx: WriteContext, change: Change) -> None:
        params = owner_parameters(owner, change)
        path = text_of(change.after)
        call(ctx, f"update_{owner}", f"move {owner} {change.name}", NewPath=path, **params)

    return move


def tagger(owner: str) -> Writer:
    """Makes the tags go from `change.before` to `change.after`: untag the keys that are gone,
    tag those that are new or changed."""

    def retag(ctx: WriteContext, change: Change) -> None:
        api, params = OWNERS[owner][0], owner_parameters(owner, change)
        doing = f"tag {owner} {change.name}"
        before, after = tags_of(change.before), tags_of(change.after)
        stale = sorted(set(before) - set(after))
        if stale:
            call(ctx, f"untag_{api}", doing, TagKeys=stale, **params)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if changed:
            call(ctx, f"tag_{api}", doing, Tags=tag_list(changed), **params)

    return retag


def attacher(owner: str) -> Writer:
    def attach(ctx: WriteContext, change: Change) -> None:
        doing = f"attach {short_policy(change.target)} to {owner} {change.name}"
        params = {**owner_parameters(owner, change), "PolicyArn": change.target}
        call(ctx, f"attach_{owner}_policy", doing, **params)

    return attach


def detacher(owner: str) -> Writer:
    def detach(ctx: WriteContext, change: Change) -> None:
        doing = f"detach {short_policy(change.target)} from {owner} {change.name}"
        params = {**owner_parameters(owner, change), "PolicyArn": change.target}
        remove(ctx, f"detach_{owner}_policy", doing, **params)

    return detach


def inline_putter(owner: str) -> Writer:
    def put(ctx: WriteContext, change: Change) -> None:
        doing = f"put inline policy {change.target} on {owner} {change.name}"
        params = {**owner_parameters(owner, change), "PolicyName": change.target}
        call(ctx, f"put_{owner}_policy", doing, PolicyDocument=text_of(change.after), **params)

    return put


def inline_deleter(owner: str) -> Writer:
    def delete(ctx: WriteContext, change: Change) -> None:
        doing = f"delete inline policy {change.target} of {owner} {change.name}"
        params = {**owner_parameters(owner, change), "PolicyName": change.target}
        remove(ctx, f"delete_{owner}_policy", doing, **params)

    return delete


def boundary_putter(owner: str) -> Writer:
    """Put{User,Role}PermissionsBoundary: sets the boundary, or replaces the one there."""

    def put(ctx: WriteContext, change: Change) -> None:
        arn = text_of(change.after)
        doing = f"set permissions boundary {short_policy(arn)} of {owner} {change.name}"
        params = owner_parameters(owner, change)
        call(ctx, f"put_{owner}_permissions_boundary", doing, PermissionsBoundary=arn, **params)

    return put


def boundary_remover(owner: str) -> Writer:
    def delete(ctx: WriteContext, change: Change) -> None:
        doing = f"remove permissions boundary of {owner} {change.name}"
        remove(ctx, f"delete_{owner}_permissions_boundary", doing,
               **owner_parameters(owner, change))

    return delete


# The kind of change that carries each shared attribute of each owner, (owner, attribute):
# the writers above, made for that owner, are registered for it.
_CARRIERS: dict[str, dict[str, ChangeKind]] = {
    "user": {"path": ChangeKind.USER_PATH, "tags": ChangeKind.USER_TAGS,
             "policy": ChangeKind.USER_POLICY,
             "inline policy": ChangeKind.USER_INLINE_POLICY, "boundary": ChangeKind.USER_BOUNDARY},
    "group": {"path": ChangeKind.GROUP_PATH, "policy": ChangeKind.GROUP_POLICY,
              "inline policy": ChangeKind.GROUP_INLINE_POLICY},
    "role": {"tags": ChangeKind.ROLE_TAGS, "policy": ChangeKind.ROLE_POLICY,
             "inline policy": ChangeKind.ROLE_INLINE_POLICY, "boundary": ChangeKind.ROLE_BOUNDARY},
    "policy": {"tags": ChangeKind.POLICY_TAGS},
    "OIDC provider": {"tags": ChangeKind.OIDC_PROVIDER_TAGS},
    "SAML provider": {"tags": ChangeKind.SAML_PROVIDER_TAGS},
}
CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE
# Each attribute's writers, by the actions they carry out, made for an owner.
_WRITERS_OF: dict[str, tuple[tuple[tuple[Action, ...], Callable[[str], Writer]], ...]] = {
    "path": (((UPDATE,), path_mover),),
    "tags": (((UPDATE,), tagger),),
    "policy": (((CREATE,), attacher), ((DELETE,), detacher)),
    "inline policy": (((CREATE, UPDATE), inline_putter), ((DELETE,), inline_deleter)),
    "boundary": (((CREATE, UPDATE), boundary_putter), ((DELETE,), boundary_remover)),
}
for _owner, _attributes in _CARRIERS.items():
    for _attribute, _kind in _attributes.items():
        for _actions, _make in _WRITERS_OF[_attribute]:
            register(_kind, _actions, _make(_owner))
