"""Writers for users' SSH public keys (`core/kinds/declared/ssh_public_keys.py`)."""

from __future__ import annotations

from ...core.changes import Action, Change
from ...core.kinds.declared.ssh_public_keys import SSH_PUBLIC_KEY, SSH_PUBLIC_KEY_STATUS
from ...core.payloads import tags_of, text_of
from .base import WriteContext, call, remove, writes


@writes(SSH_PUBLIC_KEY, Action.CREATE)
def upload_ssh_public_key(ctx: WriteContext, change: Change) -> None:
    wanted = tags_of(change.after)
    doing = f"upload SSH public key {change.target} of user {change.name}"
    answer = call(ctx, "upload_ssh_public_key", doing, UserName=change.name,
                  SSHPublicKeyBody=wanted["body"])
    if wanted["status"] != "Active":  # IAM uploads a key active
        key_id = answer["SSHPublicKey"]["SSHPublicKeyId"]
        set_status(ctx, change.name, key_id, wanted["status"])


@writes(SSH_PUBLIC_KEY, Action.DELETE)
def delete_ssh_public_key(ctx: WriteContext, change: Change) -> None:
    key_id = text_of(change.before)
    remove(ctx, "delete_ssh_public_key",
           f"delete SSH public key {key_id} of user {change.name}",
           UserName=change.name, SSHPublicKeyId=key_id)


@writes(SSH_PUBLIC_KEY_STATUS, Action.UPDATE)
def update_ssh_public_key_status(ctx: WriteContext, change: Change) -> None:
    set_status(ctx, change.name, tags_of(change.before)["id"], text_of(change.after))


def set_status(ctx: WriteContext, user: str, key_id: str, status: str) -> None:
    call(ctx, "update_ssh_public_key", f"set SSH public key {key_id} of user {user} {status}",
         UserName=user, SSHPublicKeyId=key_id, Status=status)
