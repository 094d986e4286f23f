"""Guided virtual MFA enrolment for an IAM user: the human step `plan` flags for `mfa: required`.

`enroll` creates the device, shows its QR code, reads two codes from a person, enables the device
and checks it; a device that did not get enabled is deleted again. The seed is a secret: it goes
only into the QR code (and into `show` as text when asked for), never into errors or logs, and
only to a terminal: off one, enrolment refuses before creating anything.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import segno

from ..core.errors import EntityAlreadyExistsError, IamctlError, NoSuchEntityError
from .client import Aws

CODE_ATTEMPTS = 3
_SIX_DIGITS = re.compile(r"[0-9]{6}")
# IAM is eventually consistent: a just-enabled device can take a moment to be listed.
VERIFY_DELAYS = (0.0, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class EnrolResult:
    user: str
    serial: str


def refuse_in_ci() -> None:
    """Enrolment needs a person with a phone; in CI it would only leave a half-made device."""
    if os.environ.get("CI"):
        raise IamctlError(
            "mfa enroll needs a person to scan a QR code and refuses to run in CI "
            "(the CI environment variable is set)"
        )


def refuse_off_terminal(terminal: bool) -> None:
    """The QR code holds the seed: printed to a pipe or a file, it would be a copy of the secret
    that outlives the enrolment (a log, a CI artefact, a terminal recorder's file)."""
    if not terminal:
        raise IamctlError(
            "mfa enroll shows the MFA device's secret (its QR code) and refuses to write it to a "
            "pipe or a file: standard output is not a terminal; run it in a terminal"
        )


def enroll(
    aws: Aws,
    user: str,
    read_code: Callable[[str], str],
    show: Callable[[str], None],
    account_label: str,
    show_seed: bool = False,
    *,
    terminal: bool,
) -> EnrolResult:
    """Create, show, enable and verify a virtual MFA device for `user`.

    `read_code(prompt)` returns what the person typed; it may raise KeyboardInterrupt or
    EOFError to abandon the enrolment. `show(text)` displays text to the person; `terminal`
    says whether it reaches a terminal (nothing is created otherwise).
    """
    refuse_in_ci()
    refuse_off_terminal(terminal)
    _check_no_device(aws, user)
    serial, seed = _create_device(aws, user)
    enabled = False
    try:
        _show_device(show, account_label, user, seed, show_seed)
        first, second = _read_codes(read_code, show)
        aws.iam("enable_mfa_device", f"enable MFA device for user {user}", UserName=user,
                SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
        enabled = True
        _verify(aws, user, serial)
    except (KeyboardInterrupt, EOFError):
        raise _abandoned(aws, user, serial, enabled) from None
    except BaseException as error:
        if not enabled:
            _delete_unassigned(aws, serial, str(error))
        raise
    return EnrolResult(user=user, serial=serial)


def _abandoned(aws: Aws, user: str, serial: str, enabled: bool) -> IamctlError:
    """The error of an enrolment the person abandoned, once an unassigned device is deleted."""
    if enabled:
        return IamctlError(
            f"enrolment interrupted after MFA device {serial} was enabled for user {user}; "
            f"check with `aws iam list-mfa-devices --user-name {user}`"
        )
    _delete_unassigned(aws, serial, "enrolment interrupted")
    return IamctlError("enrolment interrupted; the unassigned MFA device was deleted")


def read_account_label(aws: Aws) -> str:
    """How the authenticator app names the account: its alias, else its id."""
    aliases = aws.iam("list_account_aliases", "read the account alias")["AccountAliases"]
    return str(aliases[0]) if aliases else aws.identity().account


def otpauth_uri(account_label: str, user: str, seed: str) -> str:
    """The Key URI authenticator apps read from the QR code (label `account:user`)."""
    issuer = quote(account_label, safe="")
    return f"otpauth://totp/{issuer}:{quote(user, safe='')}?secret={seed}&issuer={issuer}"


def qr_text(uri: str) -> str:
    """The QR code as text: half-block characters, two modules per line, for a UTF-8 terminal."""
    out = io.StringIO()
    # make_qr, not make: segno would pick a Micro QR for short data, which apps cannot read.
    segno.make_qr(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def _check_no_device(aws: Aws, user: str) -> None:
    try:
        response = aws.iam("list_mfa_devices", f"list MFA devices of user {user}", UserName=user)
    except NoSuchEntityError:
        raise IamctlError(f"there is no IAM user named {user}") from None
    devices = response.get("MFADevices", [])
    if devices:
        raise IamctlError(
            f"user {user} already has an MFA device ({devices[0]['SerialNumber']}); "
            "remove it first to enrol a new one"
        )


def _create_device(aws: Aws, user: str) -> tuple[str, str]:
    """Create the virtual device named after the user; returns its serial and base32 seed."""
    try:
        response = aws.iam(
            "create_virtual_mfa_device",
            f"create virtual MFA device for user {user}",
            VirtualMFADeviceName=user,
        )
    except EntityAlreadyExistsError:
        raise IamctlError(
            f"a virtual MFA device named {user} already exists, probably left unassigned by "
            "an earlier enrolment; find it with `aws iam list-virtual-mfa-devices "
            "--assignment-status Unassigned`, delete it, and try again"
        ) from None
    device = response["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    # boto3 returns the seed as a blob (bytes); AWS sends it base64-encoded over the wire.
    return device["SerialNumber"], seed.decode("ascii") if isinstance(seed, bytes) else seed


def _show_device(
    show: Callable[[str], None], account_label: str, user: str, seed: str, show_seed: bool
) -> None:
    show(f"Scan this QR code with your authenticator app ({account_label}:{user}):")
    show(qr_text(otpauth_uri(account_label, user, seed)))
    if show_seed:
        show(f"Secret key, to type in if your app cannot scan the code: {seed}")
    else:
        show("If your app cannot scan it, run again with --show-seed to see the key as text.")


def _read_codes(read_code: Callable[[str], str], show: Callable[[str], None]) -> tuple[str, str]:
    first = _read_code(read_code, show, "First 6-digit code")
    # The same code twice is a person typing before the app moved on (a code lasts 30 s), not a
    # failure: AWS would refuse the pair, so ask for the next code rather than give up and delete
    # the device the person has just scanned.
    for _ in range(CODE_ATTEMPTS):
        second = _read_code(read_code, show, "Next 6-digit code")
        if second != first:
            return first, second
        show("That is the same code again: wait until the app shows a new code, then type it.")
    raise IamctlError(
        f"the second code was the same as the first {CODE_ATTEMPTS} times; the app shows a new "
        "code every 30 seconds: try again and type the next one"
    )


def _read_code(read_code: Callable[[str], str], show: Callable[[str], None], prompt: str) -> str:
    for _ in range(CODE_ATTEMPTS):
        # Apps show codes as "123 456": spaces are not part of the code.
        code = "".join(read_code(prompt).split())
        if _SIX_DIGITS.fullmatch(code):
            return code
        show("A code is exactly 6 digits.")
    raise IamctlError(f"no 6-digit code after {CODE_ATTEMPTS} attempts")


def _verify(aws: Aws, user: str, serial: str) -> None:
    for delay in VERIFY_DELAYS:
        time.sleep(delay)
        response = aws.iam("list_mfa_devices", f"verify MFA device of user {user}", UserName=user)
        if any(device["SerialNumber"] == serial for device in response.get("MFADevices", [])):
            return
    raise IamctlError(
        f"MFA device {serial} was enabled but is not listed for user {user}; check with "
        f"`aws iam list-mfa-devices --user-name {user}`"
    )


def _delete_unassigned(aws: Aws, serial: str, reason: str) -> None:
    """Remove a device that never got enabled, so that a retry can create it again."""
    try:
        aws.iam(
            "delete_virtual_mfa_device",
            f"delete unassigned MFA device {serial}",
            SerialNumber=serial,
        )
    except IamctlError as error:
        raise IamctlError(
            f"{reason}; the unassigned MFA device could not be deleted either ({error}); delete "
            f"it with `aws iam delete-virtual-mfa-device --serial-number {serial}`"
        ) from None
