"""Interactive MFA enrolment against in-process moto (which accepts any codes: see the checks)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pyotp
import pytest
from moto import mock_aws

from reconciler.aws import mfa
from reconciler.aws.client import Aws
from reconciler.aws.mfa import enroll, otpauth_uri, qr_text
from reconciler.core.errors import AwsError, IamctlError

LABEL = "acme-sandbox"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """In-process moto with user alice (no AWS managed policies: enrolment needs none)."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(mfa, "VERIFY_DELAYS", (0.0,))
    with mock_aws():
        client = Aws(boto3.Session(region_name="us-east-1"))
        client.iam("create_user", "test set-up", UserName="alice")
        yield client


def raw_iam() -> Any:
    return boto3.client("iam", region_name="us-east-1")


def current_seed() -> str:
    """The seed of the device being enrolled; only moto hands it out again after creation."""
    devices = raw_iam().list_virtual_mfa_devices()["VirtualMFADevices"]
    seed: bytes = devices[0]["Base32StringSeed"]
    return seed.decode()


def virtual_devices() -> list[str]:
    return [d["SerialNumber"] for d in raw_iam().list_virtual_mfa_devices()["VirtualMFADevices"]]


def user_devices(user: str = "alice") -> list[str]:
    return [d["SerialNumber"] for d in raw_iam().list_mfa_devices(UserName=user)["MFADevices"]]


class Person:
    """Types the codes an authenticator app would show for the device's seed."""

    def __init__(self, answers: list[str] | None = None) -> None:
        self.answers = answers
        self.prompts: list[str] = []
        self.shown: list[str] = []

    def read_code(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if self.answers is not None:
            return self.answers.pop(0)
        totp = pyotp.TOTP(current_seed())
        now = time.time()
        return totp.at(now) if len(self.prompts) == 1 else totp.at(now + 30)

    def show(self, text: str) -> None:
        self.shown.append(text)

    def run(self, aws: Aws, show_seed: bool = False) -> mfa.EnrolResult:
        return enroll(
            aws, "alice", self.read_code, self.show, LABEL, show_seed=show_seed, terminal=True
        )


def fail_on(aws: Aws, monkeypatch: pytest.MonkeyPatch, operation: str, error: Exception) -> None:
    real = aws.iam

    def iam(op: str, doing: str, retry_not_found: bool = False, **params: Any) -> dict[str, Any]:
        if op == operation:
            raise error
        return real(op, doing, retry_not_found, **params)

    monkeypatch.setattr(aws, "iam", iam)


def test_happy_path_enables_and_verifies(aws: Aws) -> None:
    person = Person()
    result = person.run(aws)
    assert result == mfa.EnrolResult(user="alice", serial=SERIAL)
    assert user_devices() == [SERIAL]
    assert person.prompts == ["First 6-digit code", "Next 6-digit code"]


def test_codes_are_two_consecutive_totp_codes(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: dict[str, Any] = {}
    real = aws.iam

    def iam(op: str, doing: str, retry_not_found: bool = False, **params: Any) -> dict[str, Any]:
        if op == "enable_mfa_device":
            sent.update(params, seed=current_seed())
        return real(op, doing, retry_not_found, **params)

    monkeypatch.setattr(aws, "iam", iam)
    Person().run(aws)
    totp = pyotp.TOTP(sent["seed"])
    assert totp.verify(sent["AuthenticationCode1"], valid_window=1)
    assert totp.verify(sent["AuthenticationCode2"], for_time=time.time() + 30, valid_window=1)


def test_shows_the_qr_code_of_the_otpauth_uri_without_the_seed(aws: Aws) -> None:
    person = Person()
    person.run(aws)
    seed = current_seed()
    assert qr_text(otpauth_uri(LABEL, "alice", seed)) in person.shown
    assert seed not in "".join(person.shown)


def test_show_seed_shows_it_as_text(aws: Aws) -> None:
    person = Person()
    person.run(aws, show_seed=True)
    assert any(current_seed() in text for text in person.shown)


def test_otpauth_uri_is_read_by_authenticator_libraries() -> None:
    seed = "JBSWY3DPEHPK3PXP" * 2
    uri = otpauth_uri(LABEL, "alice+ops@acme", seed)
    assert uri == (
        f"otpauth://totp/acme-sandbox:alice%2Bops%40acme?secret={seed}&issuer=acme-sandbox"
    )
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert (totp.secret, totp.issuer, totp.name) == (seed, LABEL, "alice+ops@acme")


def test_qr_text_is_a_full_size_block_drawing() -> None:
    lines = qr_text(otpauth_uri(LABEL, "alice", "A" * 64)).splitlines()
    assert len(lines) > 20
    assert set("".join(lines)) <= set("█▀▄ ")
    assert "\x1b" not in "".join(lines)


def test_bad_format_is_asked_again(aws: Aws) -> None:
    person = Person(["12345", "abcdef", "123 456", "1234567", "654321"])
    person.run(aws)
    assert person.prompts == ["First 6-digit code"] * 3 + ["Next 6-digit code"] * 2
    assert user_devices() == [SERIAL]


def test_three_bad_codes_give_up_and_delete_the_device(aws: Aws) -> None:
    with pytest.raises(IamctlError, match="no 6-digit code after 3 attempts"):
        Person(["1", "2", "3"]).run(aws)
    assert virtual_devices() == []


def test_same_code_twice_asks_for_the_next_code_and_keeps_the_device(aws: Aws) -> None:
    person = Person(["123456", "123456", "654321"])
    result = person.run(aws)
    assert result.serial == SERIAL
    assert person.prompts == ["First 6-digit code"] + ["Next 6-digit code"] * 2
    assert any("same code again" in text for text in person.shown)
    assert user_devices() == [SERIAL]


def test_the_same_code_every_time_gives_up_and_deletes_the_device(aws: Aws) -> None:
    with pytest.raises(IamctlError, match="the second code was the same as the first 3 times"):
        Person(["123456"] * 4).run(aws)
    assert virtual_devices() == []
    assert user_devices() == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, EOFError])
def test_interruption_deletes_the_device(
    aws: Aws, interruption: type[BaseException]
) -> None:
    def read_code(prompt: str) -> str:
        assert virtual_devices() == [SERIAL]  # the device exists while waiting for a code
        raise interruption

    with pytest.raises(IamctlError, match="interrupted; the unassigned MFA device was deleted"):
        enroll(aws, "alice", read_code, lambda text: None, LABEL, terminal=True)
    assert virtual_devices() == []


def record_seed(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keep the seed AWS returns, to check it leaks nowhere after the device is gone."""
    seeds: list[str] = []
    real = aws.iam

    def iam(op: str, doing: str, retry_not_found: bool = False, **params: Any) -> dict[str, Any]:
        response = real(op, doing, retry_not_found, **params)
        if op == "create_virtual_mfa_device":
            seeds.append(response["VirtualMFADevice"]["Base32StringSeed"].decode())
        return response

    monkeypatch.setattr(aws, "iam", iam)
    return seeds


def test_enable_failure_deletes_the_device(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = record_seed(aws, monkeypatch)
    error = AwsError("enable", "EnableMFADevice", "InvalidAuthenticationCode", "not valid")
    fail_on(aws, monkeypatch, "enable_mfa_device", error)
    person = Person(["123456", "654321"])
    with pytest.raises(AwsError, match="InvalidAuthenticationCode") as raised:
        person.run(aws)
    assert virtual_devices() == []
    assert seeds and seeds[0] not in str(raised.value) + "".join(person.shown)


def test_seed_is_in_no_error_text(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = record_seed(aws, monkeypatch)
    with pytest.raises(IamctlError) as raised:
        Person(["123456"] * 4).run(aws)
    assert seeds and seeds[0] not in str(raised.value)
    assert seeds[0] not in repr(raised.value)


def test_failed_cleanup_says_how_to_delete(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_on(aws, monkeypatch, "delete_virtual_mfa_device",
            AwsError("delete", "DeleteVirtualMFADevice", "AccessDenied", "no"))
    with pytest.raises(IamctlError) as raised:
        Person(["123456"] * 4).run(aws)
    message = str(raised.value)
    assert "the second code was the same as the first" in message
    assert f"aws iam delete-virtual-mfa-device --serial-number {SERIAL}" in message


def test_verification_failure_keeps_the_enabled_device(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = aws.iam
    enabled: list[bool] = []

    def iam(op: str, doing: str, retry_not_found: bool = False, **params: Any) -> dict[str, Any]:
        enabled.append(op == "enable_mfa_device")
        if op == "list_mfa_devices" and any(enabled):
            return {"MFADevices": []}  # as if IAM had not caught up yet
        return real(op, doing, retry_not_found, **params)

    monkeypatch.setattr(aws, "iam", iam)
    with pytest.raises(IamctlError, match="was enabled but is not listed"):
        Person().run(aws)
    assert user_devices() == [SERIAL]


def test_refuses_user_with_a_device(aws: Aws) -> None:
    Person().run(aws)
    with pytest.raises(IamctlError, match="already has an MFA device"):
        Person().run(aws)
    assert virtual_devices() == [SERIAL]


def test_refuses_unknown_user(aws: Aws) -> None:
    with pytest.raises(IamctlError, match="there is no IAM user named bob"):
        enroll(aws, "bob", Person().read_code, lambda text: None, LABEL, terminal=True)
    assert virtual_devices() == []


def test_leftover_device_is_reported_not_deleted(aws: Aws) -> None:
    raw_iam().create_virtual_mfa_device(VirtualMFADeviceName="alice")
    with pytest.raises(IamctlError, match="already exists"):
        Person().run(aws)
    assert virtual_devices() == [SERIAL]


def test_refuses_in_ci_before_any_aws_call(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    calls = aws.calls
    never: Callable[[str], str] = Person().read_code
    with pytest.raises(IamctlError, match="refuses to run in CI"):
        enroll(aws, "alice", never, lambda text: None, LABEL, terminal=True)
    assert aws.calls == calls
    assert virtual_devices() == []


def test_empty_ci_variable_does_not_refuse(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    Person().run(aws)
    assert user_devices() == [SERIAL]


@pytest.mark.parametrize("show_seed", [False, True])
def test_refuses_off_a_terminal_before_any_aws_call(aws: Aws, show_seed: bool) -> None:
    person = Person()
    calls = aws.calls
    with pytest.raises(IamctlError, match="standard output is not a terminal") as raised:
        enroll(aws, "alice", person.read_code, person.show, LABEL, show_seed, terminal=False)
    assert "\n" not in str(raised.value)
    assert aws.calls == calls
    assert person.shown == [] and person.prompts == []
    assert virtual_devices() == []
