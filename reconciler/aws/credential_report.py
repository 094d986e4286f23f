"""Credential facts in bulk for `live.py`: the IAM credential report and the virtual MFA list.

One report answers "which users have a console password, which access keys, MFA on or off" for
every user at once, so reading credentials costs a few calls, not three per user. Its price: it
can be up to four hours old in real AWS, has no access key ids, and no MFA serial numbers (which
ListVirtualMFADevices adds for virtual devices). Every fact taken from it is therefore
unconfirmed (see `exact_reads.confirm_credentials`).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from ..core.errors import (
    CredentialReportExpiredError,
    CredentialReportNotPresentError,
    CredentialReportNotReadyError,
    IamctlError,
)
from ..core.state import AccessKey, Credentials, User
from .client import Aws

# Real AWS builds the report in seconds to a minute; give up after this long.
REPORT_TIMEOUT_SECONDS = 60.0

# The report's row for the root user: it is not an IAM user.
ROOT_ROW = "<root_account>"

_DOING = "read the credential report"

# Field values that mean "no value": no key, never used, or not applicable to this row.
_NO_VALUE = frozenset({"", "N/A", "not_supported", "no_information"})

# GetCredentialReport answers these while no usable report exists yet.
_REGENERATE = (CredentialReportNotPresentError, CredentialReportExpiredError)
_NOT_READY = (CredentialReportNotReadyError, *_REGENERATE)

# The MFA serial number of a device the report counts but no bulk call names: a hardware or FIDO
# device (ListVirtualMFADevices lists virtual ones only). Exact calls fill in the real serial.
UNKNOWN_MFA_SERIAL = ""


@dataclass(frozen=True)
class ReportRow:
    """One user's line of the report. Access keys carry no id: the report has none."""

    user: str
    arn: str
    created: datetime | None
    password_enabled: bool
    mfa_active: bool
    access_keys: tuple[AccessKey, ...]
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None


@dataclass(frozen=True)
class CredentialReport:
    generated: datetime | None
    rows: Mapping[str, ReportRow]  # by user name; the root row is left out


def request_report(aws: Aws) -> None:
    """Ask AWS for a fresh-enough report. GenerateCredentialReport starts a new one only when
    none exists or the last is over four hours old; otherwise it answers COMPLETE at once, so
    calling it first is cheap. A read asks before anything else: AWS builds while it reads."""
    aws.iam("generate_credential_report", _DOING)


def fetch_report(
    aws: Aws,
    timeout: float = REPORT_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    requested: bool = False,
) -> CredentialReport:
    """Wait (bounded) until the report can be downloaded; ask for it first unless `requested`."""
    doing = _DOING
    deadline = time.monotonic() + timeout
    delay = 0.25
    if not requested:
        request_report(aws)
    while True:
        try:
            response = aws.iam("get_credential_report", doing)
        except _NOT_READY as error:
            if time.monotonic() + delay > deadline:
                raise IamctlError(
                    f"{doing}: the credential report was not ready after {timeout:.0f} s; "
                    "try again in a minute"
                ) from None
            sleep(delay)
            delay = min(delay * 2, 4.0)
            if isinstance(error, _REGENERATE):
                aws.iam("generate_credential_report", doing)
            continue
        return parse_report(response["Content"], response.get("GeneratedTime"))


def parse_report(content: bytes | str, generated: datetime | None = None) -> CredentialReport:
    """Parse the report's CSV (boto3 hands over the decoded bytes of its base64 `Content`)."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    rows = {}
    for record in csv.DictReader(io.StringIO(text)):
        if record.get("user") in (None, "", ROOT_ROW):
            continue
        row = _row(record)
        rows[row.user] = row
    return CredentialReport(generated=generated, rows=rows)


def _row(record: Mapping[str, str]) -> ReportRow:
    keys = tuple(
        key for key in (_access_key(record, 1), _access_key(record, 2)) if key is not None
    )
    return ReportRow(
        user=record["user"],
        arn=record.get("arn", ""),
        created=parse_time(record.get("user_creation_time")),
        password_enabled=_flag(record.get("password_enabled")),
        mfa_active=_flag(record.get("mfa_active")),
        access_keys=tuple(sorted(keys, key=key_order)),
        password_last_used=parse_time(record.get("password_last_used")),
        password_last_changed=parse_time(record.get("password_last_changed")),
    )


def _access_key(record: Mapping[str, str], slot: int) -> AccessKey | None:
    """Key slot 1 or 2. AWS documents `last_rotated` (the creation time) as N/A only when there
    is no active key in the slot, so an inactive key may be invisible here: the report is trusted
    for the count of *active* keys; `confirm_credentials` lists every key before any is touched.
    """
    active = _flag(record.get(f"access_key_{slot}_active"))
    created = parse_time(record.get(f"access_key_{slot}_last_rotated"))
    if not active and created is None:
        return None
    last_used = parse_time(record.get(f"access_key_{slot}_last_used_date"))
    return AccessKey(id="", active=active, created=created, last_used=last_used)


def key_order(key: AccessKey) -> tuple[datetime, bool, str]:
    """Oldest key first, in both the report and the exact listing; for keys created in the same
    second (the report's precision, and it has no ids) the active one first."""
    return (key.created or datetime.min.replace(tzinfo=timezone.utc), not key.active, key.id)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time of the report (`2024-01-02T03:04:05+00:00`), in UTC to the second."""
    text = (value or "").strip()
    if text in _NO_VALUE:
        return None
    try:
        # Python 3.10's fromisoformat does not know the `Z` suffix.
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return whole_seconds(parsed)


def whole_seconds(moment: datetime) -> datetime:
    """UTC to the second: the report has no fractions, the list calls have (in moto at least)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def read_virtual_mfa_serials(aws: Aws) -> dict[str, tuple[str, ...]]:
    """User name -> serial numbers of the virtual MFA devices assigned to that user."""
    serials: dict[str, list[str]] = {}
    for page in aws.pages("iam", "list_virtual_mfa_devices", "list virtual MFA devices",
                          AssignmentStatus="Assigned", MaxItems=1000):
        for device in page.get("VirtualMFADevices", []):
            # moto returns each device's seed and QR code even in this list call: drop them
            # before anything else can keep, print or log them.
            device.pop("Base32StringSeed", None)
            device.pop("QRCodePNG", None)
            user = device.get("User", {})
            # The root user's device is listed too; GetAccountSummary reports root MFA.
            if user.get("UserName") and not user.get("Arn", "").endswith(":root"):
                serials.setdefault(user["UserName"], []).append(device["SerialNumber"])
    return {user: tuple(sorted(found)) for user, found in serials.items()}


def credentials_from_report(
    user: User, row: ReportRow | None, virtual_mfa: tuple[str, ...]
) -> Credentials:
    """Unconfirmed credential facts. A user missing from the report (created after it), or whose
    row belongs to an earlier user of the same name, gets none: the caller confirms them."""
    if row is None or not same_user(user, row):
        return Credentials(mfa_devices=virtual_mfa, confirmed=False)
    mfa = virtual_mfa or ((UNKNOWN_MFA_SERIAL,) if row.mfa_active else ())
    return Credentials(
        login_profile=row.password_enabled,
        access_keys=row.access_keys,
        mfa_devices=mfa,
        confirmed=False,
        password_last_used=row.password_last_used,
        # moto fills password_last_changed for users without a password too (AWS: N/A).
        password_created=row.password_last_changed if row.password_enabled else None,
    )


def same_user(user: User, row: ReportRow) -> bool:
    if user.created is None or row.created is None:
        return True
    return whole_seconds(user.created) == row.created
