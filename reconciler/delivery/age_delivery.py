"""Delivery to a person (`users[].deliver_to: age1...`): a user's new credentials are written
only encrypted to that age recipient, as `NAME_credentials.csv.age` in the secrets directory.

The clear CSV exists only in memory: it is encrypted before anything touches the disk (the
temporary file of the atomic write holds ciphertext too). Other users' credentials go to the
plain CSV files of `credentials.SecretsSink`, whose interface this sink keeps, so the writers
deliver through it unchanged.

Encryption uses pyrage, the Python binding of rage (the Rust implementation of age): maintained,
with prebuilt wheels (abi3, no compiler needed), and it reads the same `age1...` recipients as
age-keygen. The pure-Python `age` package on the index has had no release since 2023.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import pyrage
from pyrage import x25519

from ..core.errors import IamctlError
from . import private_files
from .credentials import SecretsSink, csv_bytes

AGE_SUFFIX = ".age"


class AgeSecretsSink(SecretsSink):
    """Credentials of users with a recipient: encrypted files; of the others: plain CSV."""

    def __init__(self, directory: Path, sign_in_url: str, recipients: Mapping[str, str]) -> None:
        super().__init__(directory, sign_in_url)
        self.recipients = dict(recipients)
        self._rows: dict[str, list[list[str]]] = {}  # this run's rows, never on disk in clear
        self._lock = threading.Lock()

    def check_target(self, user: str) -> None:
        """Before any change: an encrypted file from an earlier apply cannot be merged (iamctl
        cannot decrypt it) and must not be lost by overwriting it; a link there is refused too."""
        if user not in self.recipients:
            super().check_target(user)
            return
        path = self.path_for(user)
        if os.path.lexists(path):
            raise IamctlError(
                f"{path} exists (credentials from an earlier apply, encrypted to user "
                f"{user}'s age key): deliver it and move it away"
            )

    def path_for(self, user: str) -> Path:
        path = super().path_for(user)
        return path.with_name(path.name + AGE_SUFFIX) if user in self.recipients else path

    def _write(self, user: str, update: Callable[[list[list[str]]], None]) -> Path:
        if user not in self.recipients:
            return super()._write(user, update)
        path = self.path_for(user)
        with self._lock:
            rows = self._rows.setdefault(user, [])
            update(rows)
            try:
                private_files.write_private_file(path, encrypt_rows(rows, self.recipients[user]))
            except OSError as error:
                raise IamctlError(f"cannot write {path}: {error.strerror}") from None
        return path


def sink_for(directory: Path, sign_in_url: str, recipients: Mapping[str, str]) -> SecretsSink:
    """The sink for one account's new credentials: encrypting for users with a recipient."""
    if not recipients:
        return SecretsSink(directory, sign_in_url)
    return AgeSecretsSink(directory, sign_in_url, recipients)


def encrypt_rows(rows: list[list[str]], recipient: str) -> bytes:
    try:
        key = x25519.Recipient.from_str(recipient)
        encrypted: bytes = pyrage.encrypt(csv_bytes(rows), [key])
    except Exception as error:  # pyrage's errors: name the recipient, never the data
        raise IamctlError(f"cannot encrypt to {recipient}: {type(error).__name__}") from None
    return encrypted
