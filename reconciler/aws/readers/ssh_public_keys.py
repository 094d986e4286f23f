"""Read the SSH public keys of the users the files' `ssh_public_keys` names: a list call per
user, then a get per key for its material (the list holds only ids, status and dates). There
is no bulk read of SSH keys, so export, which would need every user's, leaves them out.

A key or user deleted between the list and the get is left out, as if listed a moment later.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from ...core.errors import NoSuchEntityError
from ...core.kinds.declared.ssh_public_keys import SshPublicKey, key_body, key_of
from ...core.state import State
from ..client import Aws
from . import reads


@reads("ssh_public_keys")
def read_ssh_public_keys(
    aws: Aws, live: State, wanted: Mapping[str, Any] | None
) -> dict[str, SshPublicKey]:
    users = sorted({key.user for key in (wanted or {}).values()} & set(live.users))
    found = [key for user in users for key in _user_keys(aws, user)]
    return {key_of(key): key for key in found}


def _user_keys(aws: Aws, user: str) -> list[SshPublicKey]:
    keys: list[SshPublicKey] = []
    with suppress(NoSuchEntityError):
        for page in aws.pages("iam", "list_ssh_public_keys", f"list SSH public keys of {user}",
                              UserName=user):
            for listed in page.get("SSHPublicKeys", []):
                key = _read_key(aws, user, listed["SSHPublicKeyId"])
                if key is not None:
                    keys.append(key)
    return keys


def _read_key(aws: Aws, user: str, key_id: str) -> SshPublicKey | None:
    try:
        answer = aws.iam("get_ssh_public_key", f"read SSH public key {key_id} of {user}",
                         UserName=user, SSHPublicKeyId=key_id, Encoding="SSH")
    except NoSuchEntityError:
        return None
    key = answer["SSHPublicKey"]
    return SshPublicKey(user, _comparable(key["SSHPublicKeyBody"]), key["Status"] == "Active",
                        key_id)


def _comparable(body: str) -> str:
    """The key's type and material, as the file's are compared; a key IAM holds in a form iamctl
    does not read (PEM, uploaded by another tool) is kept whole, so it differs from any declared
    key and a user named in the file loses it, as any key the file does not list."""
    try:
        return key_body(body)
    except ValueError:
        return body
