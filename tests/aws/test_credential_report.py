"""The credential report: parsing its CSV, and waiting (bounded) for AWS to build it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, cast

import pytest

from reconciler.aws.client import Aws
from reconciler.aws.credential_report import (
    UNKNOWN_MFA_SERIAL,
    ReportRow,
    credentials_from_report,
    fetch_report,
    parse_report,
    parse_time,
)
from reconciler.aws.errors import error_class
from reconciler.core.errors import AwsError, IamctlError
from reconciler.core.state import AccessKey, Credentials, User

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
COLUMNS = HEADER.split(",")

# A user with nothing: what AWS writes for a fresh programmatic-only user without keys.
BLANK_USER = {
    "arn": "arn:aws:iam::123456789012:user/someone",
    "user_creation_time": "2024-01-02T03:04:05+00:00",
    "password_enabled": "false",
    "password_last_used": "N/A",
    "password_last_changed": "N/A",
    "password_next_rotation": "N/A",
    "mfa_active": "false",
    "access_key_1_active": "false",
    "access_key_1_last_rotated": "N/A",
    "access_key_1_last_used_date": "N/A",
    "access_key_1_last_used_region": "N/A",
    "access_key_1_last_used_service": "N/A",
    "access_key_2_active": "false",
    "access_key_2_last_rotated": "N/A",
    "access_key_2_last_used_date": "N/A",
    "access_key_2_last_used_region": "N/A",
    "access_key_2_last_used_service": "N/A",
    "cert_1_active": "false",
    "cert_1_last_rotated": "N/A",
    "cert_2_active": "false",
    "cert_2_last_rotated": "N/A",
}

ROOT_LINE = (
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,"
    "N/A,N/A,N/A,false,N/A,false,N/A"
)


def line(name: str, **fields: str) -> str:
    values = {"user": name, **BLANK_USER, **fields}
    return ",".join(values[column] for column in COLUMNS)


def report(*lines: str) -> str:
    return "\n".join([HEADER, ROOT_LINE, *lines]) + "\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


T1, T2, T3 = "2024-02-01T08:00:00+00:00", "2024-03-01T09:30:00+00:00", "2024-04-01T10:45:00+00:00"

CASES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("nothing", {}, {"password": False, "mfa": False, "keys": ()}),
    (
        "console password never used",
        {"password_enabled": "true", "password_last_used": "no_information"},
        {"password": True, "mfa": False, "keys": ()},
    ),
    ("mfa on", {"mfa_active": "true"}, {"password": False, "mfa": True, "keys": ()}),
    (
        "one active key, never used",
        {"access_key_1_active": "true", "access_key_1_last_rotated": T1},
        {"keys": (AccessKey("", True, utc("2024-02-01T08:00:00")),)},
    ),
    (
        "one active key, used",
        {"access_key_1_active": "true", "access_key_1_last_rotated": T1,
         "access_key_1_last_used_date": T2, "access_key_1_last_used_region": "us-east-1",
         "access_key_1_last_used_service": "s3"},
        {"keys": (AccessKey("", True, utc("2024-02-01T08:00:00"), utc("2024-03-01T09:30:00")),)},
    ),
    (
        "inactive key in slot 1, active key in slot 2",
        {"access_key_1_active": "false", "access_key_1_last_rotated": T2,
         "access_key_2_active": "true", "access_key_2_last_rotated": T1,
         "access_key_2_last_used_date": T3},
        # Oldest first, whatever the slot.
        {"keys": (
            AccessKey("", True, utc("2024-02-01T08:00:00"), utc("2024-04-01T10:45:00")),
            AccessKey("", False, utc("2024-03-01T09:30:00")),
        )},
    ),
    (
        "service fields not_supported (as moto writes them)",
        {"access_key_1_active": "true", "access_key_1_last_rotated": T1,
         "access_key_1_last_used_region": "not_supported",
         "access_key_1_last_used_service": "not_supported",
         "password_next_rotation": "not_supported"},
        {"keys": (AccessKey("", True, utc("2024-02-01T08:00:00")),)},
    ),
    (
        "Z suffix on times",
        {"access_key_1_active": "true", "access_key_1_last_rotated": "2024-02-01T08:00:00Z"},
        {"keys": (AccessKey("", True, utc("2024-02-01T08:00:00")),)},
    ),
]


@pytest.mark.parametrize(("fields", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_row(fields: dict[str, str], expected: Mapping[str, Any]) -> None:
    row = parse_report(report(line("someone", **fields))).rows["someone"]
    assert row.password_enabled is expected.get("password", False)
    assert row.mfa_active is expected.get("mfa", False)
    assert row.access_keys == expected["keys"]


def test_root_row_is_not_a_user_and_bytes_are_accepted() -> None:
    content = report(line("alice"), line("bob", mfa_active="true")).encode()
    parsed = parse_report(content, utc("2024-05-05T00:00:00"))
    assert set(parsed.rows) == {"alice", "bob"}
    assert parsed.generated == utc("2024-05-05T00:00:00")
    assert parsed.rows["alice"].created == utc("2024-01-02T03:04:05")
    assert parsed.rows["alice"].arn == "arn:aws:iam::123456789012:user/someone"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("N/A", None),
        ("not_supported", None),
        ("no_information", None),
        ("", None),
        ("garbage", None),
        ("2024-01-02T03:04:05.678+00:00", utc("2024-01-02T03:04:05")),
        ("2024-01-02T05:04:05+02:00", utc("2024-01-02T03:04:05")),
    ],
)
def test_parse_time(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


class FakeIam:
    """Answers the report calls from a script: each item is a response or an error code."""

    def __init__(self, get_answers: list[str | dict[str, Any]]) -> None:
        self.get_answers = list(get_answers)
        self.operations: list[str] = []
        self.calls = 0

    def iam(self, operation: str, doing: str, **_: Any) -> dict[str, Any]:
        self.operations.append(operation)
        if operation == "generate_credential_report":
            return {"State": "STARTED"}
        answer = self.get_answers.pop(0)
        if isinstance(answer, str):
            raise error_class(answer)(doing, "GetCredentialReport", answer, "not yet")
        return answer


def ready(content: str) -> dict[str, Any]:
    return {"Content": content.encode(), "GeneratedTime": utc("2024-05-05T00:00:00")}


def test_fetch_waits_while_the_report_is_being_built() -> None:
    fake = FakeIam(["ReportInProgress", "ReportInProgress", ready(report(line("alice")))])
    slept: list[float] = []
    parsed = fetch_report(cast(Aws, fake), sleep=slept.append)
    assert set(parsed.rows) == {"alice"}
    assert slept == [0.25, 0.5]  # short, growing waits
    assert fake.operations.count("generate_credential_report") == 1


def test_fetch_asks_again_for_a_report_that_expired_or_vanished() -> None:
    fake = FakeIam(["ReportExpired", "ReportNotPresent", ready(report())])
    fetch_report(cast(Aws, fake), sleep=lambda _: None)
    assert fake.operations == [
        "generate_credential_report", "get_credential_report",
        "generate_credential_report", "get_credential_report",
        "generate_credential_report", "get_credential_report",
    ]


def test_fetch_gives_up_after_the_timeout() -> None:
    fake = FakeIam(["ReportInProgress"] * 100)
    with pytest.raises(IamctlError, match="not ready after 1 s"):
        fetch_report(cast(Aws, fake), timeout=1.0, sleep=lambda _: None)
    assert len(fake.operations) < 10


def test_fetch_passes_other_errors_on() -> None:
    fake = FakeIam(["AccessDenied"])
    with pytest.raises(AwsError, match="AccessDenied"):
        fetch_report(cast(Aws, fake), sleep=lambda _: None)


def test_fetch_from_moto(moto_iam: Any, aws: Aws) -> None:
    moto_iam.create_user(UserName="alice")
    moto_iam.create_login_profile(UserName="alice", Password="Correct-Horse-9")
    moto_iam.create_access_key(UserName="alice")
    parsed = fetch_report(aws)
    alice = parsed.rows["alice"]
    assert alice.password_enabled
    assert [key.active for key in alice.access_keys] == [True]
    assert alice.created is not None


ROW = ReportRow(user="ivy", arn="", created=datetime(2024, 1, 2, tzinfo=timezone.utc),
                password_enabled=True, mfa_active=False, access_keys=(AccessKey("", True),))
IVY = User(name="ivy", created=datetime(2024, 1, 2, 0, 0, 0, 500, tzinfo=timezone.utc))
VIRTUAL = ("arn:aws:iam::123456789012:mfa/ivy",)


@pytest.mark.parametrize(
    ("row", "virtual", "expected"),
    [
        (ROW, (), Credentials(login_profile=True, access_keys=(AccessKey("", True),))),
        # A device enabled after the report was generated.
        (ROW, VIRTUAL, Credentials(login_profile=True, access_keys=(AccessKey("", True),),
                                   mfa_devices=VIRTUAL)),
        # MFA on, but no virtual device: a hardware or FIDO device, serial unknown.
        (replace(ROW, mfa_active=True, access_keys=()), (),
         Credentials(login_profile=True, mfa_devices=(UNKNOWN_MFA_SERIAL,))),
        # Not in the report (created after it): nothing but the virtual devices listed now.
        (None, VIRTUAL, Credentials(mfa_devices=VIRTUAL)),
        # The row of an earlier user of the same name.
        (replace(ROW, created=datetime(2020, 1, 1, tzinfo=timezone.utc)), (), Credentials()),
    ],
    ids=["report", "device after report", "hardware device", "not in report", "earlier user"],
)
def test_credentials_from_report(
    row: ReportRow | None, virtual: tuple[str, ...], expected: Credentials
) -> None:
    credentials = credentials_from_report(IVY, row, virtual)
    assert credentials == expected
    assert not credentials.confirmed
