"""The tutorial's account file and the steps of the CLI tests that walk through it (a saved
plan applied, an MFA device enrolled), shared by the CLI test modules."""

from __future__ import annotations

import time

TUTORIAL = """\
    version: 1
    account:
      id: "123456789012"
      alias: acme-sandbox
    users:
      - name: admin
        console: true
        access_keys: 1
        mfa: required
        policies: [AdministratorAccess]
    """


def wait_for_seed(iam, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
        if devices:
            seed = devices[0]["Base32StringSeed"]
            return seed.decode() if isinstance(seed, bytes) else seed
        time.sleep(0.1)
    raise AssertionError("the CLI never created the virtual MFA device")


def apply_saved(run_iamctl, account_file, saved, tmp_path):
    return run_iamctl(
        "apply",
        str(account_file),
        "--yes",
        "--secrets-dir",
        str(tmp_path / "s"),
        "--plan",
        str(saved),
    )
