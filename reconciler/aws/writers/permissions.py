"""Writers for what users and groups alike hold: attached managed policies and inline policies.

AWS accepts an attach or a put twice, so none of these needs lost-answer handling."""

from __future__ import annotations

from ...core.model import Change
from ...core.render import short_policy
from .base import WriteContext, Writer, call, remove


def owner_parameter(owner: str) -> str:
    """`user` -> `UserName`: how IAM's calls name the owner of an attachment."""
    return f"{owner.capitalize()}Name"


def attacher(owner: str) -> Writer:
    def attach(ctx: WriteContext, change: Change) -> None:
        doing = f"attach {short_policy(change.target)} to {owner} {change.name}"
        params = {owner_parameter(owner): change.name, "PolicyArn": change.target}
        call(ctx, f"attach_{owner}_policy", doing, **params)

    return attach


def detacher(owner: str) -> Writer:
    def detach(ctx: WriteContext, change: Change) -> None:
        doing = f"detach {short_policy(change.target)} from {owner} {change.name}"
        params = {owner_parameter(owner): change.name, "PolicyArn": change.target}
        remove(ctx, f"detach_{owner}_policy", doing, **params)

    return detach


def inline_putter(owner: str) -> Writer:
    def put(ctx: WriteContext, change: Change) -> None:
        doing = f"put inline policy {change.target} on {owner} {change.name}"
        params = {owner_parameter(owner): change.name, "PolicyName": change.target}
        call(ctx, f"put_{owner}_policy", doing, PolicyDocument=change.after, **params)

    return put


def inline_deleter(owner: str) -> Writer:
    def delete(ctx: WriteContext, change: Change) -> None:
        doing = f"delete inline policy {change.target} of {owner} {change.name}"
        params = {owner_parameter(owner): change.name, "PolicyName": change.target}
        remove(ctx, f"delete_{owner}_policy", doing, **params)

    return delete
