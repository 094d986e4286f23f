"""SSH public keys of IAM users (CodeCommit's SSH sign-in): the file's `ssh_public_keys`, their
changes and how a plan says them. A kind declared once, here; its reader is
`aws/readers/ssh_public_keys.py`, its writers `aws/writers/ssh_public_keys.py`.

```yaml
ssh_public_keys:
  - user: alice
    key: ssh-rsa AAAAB3NzaC1yc2E... alice@laptop
    status: Inactive        # optional; Active by default
```

A user named in the section has exactly the keys it lists: others are deleted, whether or not
`prune` is on. The keys of a user the section does not name are not managed (nor read: there is
no bulk read of SSH keys, so reading every user's would cost a call per user). Keys compare by
their key material (the comment after it is not part of the key), and a plan names each by its
SHA-256 fingerprint, as `ssh-keygen -l` prints it.

Pure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ...changes import Action, Change, ChangeKind, Impact
from ...payloads import tags as string_map
from ...payloads import tags_of, text, text_of
from ..declaration import DeclaredKind, EntityKind, FileEntry
from ..spec import CREATE, DELETE, UPDATE, Phase, spec

# IAM's rules (UploadSSHPublicKey; IAM quotas: "SSH public keys per user: 5"). AWS also takes
# PEM-encoded keys; iamctl reads the ssh-rsa form that `ssh-keygen` writes and CodeCommit's
# setup guide uses.
KEY_TYPE = "ssh-rsa"
MIN_BITS = 2048
MAX_KEYS_PER_USER = 5

SSH_PUBLIC_KEY = ChangeKind.named("ssh_public_key")  # target: the key's fingerprint
SSH_PUBLIC_KEY_STATUS = ChangeKind.named("ssh_public_key_status")


@dataclass(frozen=True)
class SshPublicKey:
    user: str
    body: str  # "ssh-rsa AAAA...": the type and the key material, without the comment
    active: bool = True
    key_id: str = ""  # live only: APKA...

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.body)

    @property
    def status(self) -> str:
        return "Active" if self.active else "Inactive"


def fingerprint(body: str) -> str:
    """`SHA256:` and the unpadded base64 of the key material's digest (`ssh-keygen -l`). A key
    IAM holds in another form (PEM, uploaded by another tool) is digested whole."""
    try:
        blob = base64.b64decode(body.split()[1], validate=True)
    except (IndexError, binascii.Error):
        blob = body.encode()
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def key_body(written: str) -> str:
    """The key as IAM compares it: its type and material. ValueError says what is wrong."""
    parts = written.split()
    if len(parts) < 2 or parts[0] != KEY_TYPE:
        raise ValueError(f"not an {KEY_TYPE} public key: write it as `{KEY_TYPE} AAAA... comment`"
                         " (the one line of `ssh-keygen -t rsa -b 4096`'s .pub file)")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise ValueError("the key material is not base64") from None
    bits = _rsa_bits(blob)
    if bits < MIN_BITS:
        raise ValueError(f"a {bits}-bit key: AWS accepts RSA keys of {MIN_BITS} bits or more")
    return f"{KEY_TYPE} {parts[1]}"


def _rsa_bits(blob: bytes) -> int:
    """The modulus length of an ssh-rsa key blob: three length-prefixed fields, the type name,
    the public exponent and the modulus (RFC 4253, section 6.6)."""
    fields: list[bytes] = []
    rest = blob
    while rest and len(fields) < 3:
        size = int.from_bytes(rest[:4], "big")
        if len(rest) < 4 + size:
            break
        fields.append(rest[4:4 + size])
        rest = rest[4 + size:]
    if len(fields) != 3 or fields[0] != KEY_TYPE.encode() or rest:
        raise ValueError(f"the key material is not an {KEY_TYPE} key")
    return int.from_bytes(fields[2], "big").bit_length()


def from_file(entry: FileEntry) -> SshPublicKey:
    data = entry.data
    try:
        body = key_body(data["key"])
    except ValueError as error:
        raise entry.error(("key",), str(error)) from None
    return SshPublicKey(data["user"], body, data.get("status", "Active") == "Active")


def check(entries: Sequence[tuple[FileEntry, SshPublicKey]]) -> None:
    counted: dict[str, int] = {}
    for entry, key in entries:
        counted[key.user] = counted.get(key.user, 0) + 1
        if counted[key.user] > MAX_KEYS_PER_USER:
            message = f"user {key.user} has {MAX_KEYS_PER_USER} keys before this one: AWS " \
                      f"allows {MAX_KEYS_PER_USER} SSH public keys per user"
            raise entry.error(("key",), message)


def key_of(key: SshPublicKey) -> str:
    return f"{key.user} {key.fingerprint}"


def diff(desired: Mapping[str, SshPublicKey], live: Mapping[str, SshPublicKey],
         prune: bool) -> Iterable[Change]:
    """Exact for the users the section names (`prune` has no say: naming a user is asking for
    exactly its keys); the others' keys are not read, and never touched."""
    named = {key.user for key in desired.values()}
    for name, wanted in desired.items():
        found = live.get(name)
        if found is None:
            yield Change(Action.CREATE, SSH_PUBLIC_KEY, wanted.user, wanted.fingerprint,
                         after={"body": wanted.body, "status": wanted.status})
        elif found.active != wanted.active:
            yield Change(Action.UPDATE, SSH_PUBLIC_KEY_STATUS, wanted.user, wanted.fingerprint,
                         before={"id": found.key_id, "status": found.status},
                         after=wanted.status)
    for name, found in live.items():
        if found.user in named and name not in desired:
            yield Change(Action.DELETE, SSH_PUBLIC_KEY, found.user, found.fingerprint,
                         before=found.key_id)


# How a saved plan's payloads are read back: exactly the shapes `diff` records, so a
# hand-edited plan cannot hand the writers anything else.
STATUSES = ("Active", "Inactive")


def _status(data: object) -> str:
    status = text(data)
    if status not in STATUSES:
        raise ValueError(f"a key status is Active or Inactive, not {status!r}")
    return status


def _fields(data: object, *names: str) -> Mapping[str, str]:
    found = string_map(data)
    if sorted(found) != sorted(names):
        raise ValueError(f"expected the fields {', '.join(names)}")
    _status(found["status"])
    return found


def _created(data: object) -> Mapping[str, str]:
    found = _fields(data, "body", "status")
    if key_body(found["body"]) != found["body"]:
        raise ValueError("the key is not written as iamctl records it")
    return found


def _found(data: object) -> Mapping[str, str]:
    return _fields(data, "id", "status")


def describe_key(change: Change) -> tuple[str, list[str]]:
    known_id = f" ({text_of(change.before)})" if change.action == DELETE else ""
    return f"user {change.name}: SSH public key {change.target}{known_id}", []


def describe_status(change: Change) -> tuple[str, list[str]]:
    before = tags_of(change.before)
    line = f"user {change.name}: SSH public key {change.target} ({before['id']}): " \
           f"{before['status']} -> {text_of(change.after)}"
    return line, []


def judged(change: Change) -> tuple[Impact, str]:
    # A key lets its user sign in to CodeCommit over SSH with the permissions the user already
    # has: a new way in, like an access key, never new permissions. Taking one away, or making
    # it inactive, takes a way in away.
    if change.action == DELETE or change.after == "Inactive":
        return Impact.NARROWS, ""
    return Impact.NEUTRAL, ""


KIND = DeclaredKind(
    # After the users, whose keys these are (a user created by the same apply).
    # Keyed by user and fingerprint; a fingerprint's base64 is not the same in another case.
    entity=EntityKind("ssh_public_keys", "SSH public key", "SSH public keys", name_field="user",
                      depends_on=("users",), names_ignore_case=False),
    changes=(
        # Uploaded once the user exists (the users' phase comes first); deleted with the other
        # removals, before a user being deleted goes.
        spec(SSH_PUBLIC_KEY, Phase.ROLES, [CREATE, DELETE], describe_key,
             before=text, after=_created, access=judged),
        spec(SSH_PUBLIC_KEY_STATUS, Phase.ROLES, [UPDATE], describe_status,
             before=_found, after=_status, access=judged),
    ),
    from_file=from_file,
    key_of=key_of,
    check=check,
    diff=diff,
    to_file=None,  # export would read every user's keys: a call per user
    owner="users",
    # Listing and deleting them: a user's deletion does both already.
    iam_actions=("iam:GetSSHPublicKey", "iam:UploadSSHPublicKey", "iam:UpdateSSHPublicKey"),
)
