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

import csv
import io
import os
import threading
from collections.abc import Mapping
from pathlib import Path

import pyrage
from pyrage import x25519

from . import private_files
from .credentials import CSV_HEADER, SecretsSink
from .errors import IamctlError

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

    def deliver(
        self,
        user: str,
        *,
        password: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> Path:
        if user not in self.recipients:
            return super().deliver(user, password=password, access_key_id=access_key_id,
                                   secret_access_key=secret_access_key)
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("an access key needs both its id and its secret")
        with self._lock:
            rows = self._rows.setdefault(user, [])
            if password is not None:
                # One login profile per user: its row, or the first row without a password.
                spare = [row for row in rows if not row[1]]
                if spare:
                    spare[0][1] = password
                else:
                    rows.append([user, password, "", "", self.sign_in_url])
            if access_key_id is not None and secret_access_key is not None:
                free = [row for row in rows if not row[2]]
                row = free[0] if free else [user, "", "", "", self.sign_in_url]
                row[2], row[3] = access_key_id, secret_access_key
                if not free:
                    rows.append(row)
            path = self.path_for(user)
            try:
                private_files.write_private_file(path, encrypt_rows(rows, self.recipients[user]))
            except OSError as error:
                raise IamctlError(f"cannot write {path}: {error.strerror}") from None
        self._record_written(user, path)
        return path


def sink_for(directory: Path, sign_in_url: str, recipients: Mapping[str, str]) -> SecretsSink:
    """The sink for one account's new credentials: encrypting for users with a recipient."""
    if not recipients:
        return SecretsSink(directory, sign_in_url)
    return AgeSecretsSink(directory, sign_in_url, recipients)


def encrypt_rows(rows: list[list[str]], recipient: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    try:
        key = x25519.Recipient.from_str(recipient)
        encrypted: bytes = pyrage.encrypt(buffer.getvalue().encode("utf-8"), [key])
    except Exception as error:  # pyrage's errors: name the recipient, never the data
        raise IamctlError(f"cannot encrypt to {recipient}: {type(error).__name__}") from None
    return encrypted
