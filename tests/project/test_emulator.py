"""The emulator of the tests, the demo and `iamctl-emulator`: free ports, AWS managed policies,
reset between tests, and what a person trying iamctl without AWS is told."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from reconciler import emulator
from reconciler.emulator import reset_emulator, start_emulator
from tests.files import REPO_ROOT
from tests.iamctl_runs import run_as_process

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def iam_client(url: str) -> Any:
    return boto3.client("iam", endpoint_url=url, region_name="us-east-1")


def test_server_listens_on_loopback_and_an_os_chosen_port(moto_server: str) -> None:
    address = urlsplit(moto_server)
    assert address.scheme == "http"
    assert address.hostname == "127.0.0.1"
    assert address.port not in (None, 0, 5000)  # 5000 is moto's fixed default


def test_aws_managed_policies_are_loaded(server_iam: Any) -> None:
    policy = server_iam.get_policy(PolicyArn=ADMIN_ARN)["Policy"]
    assert policy["PolicyName"] == "AdministratorAccess"


def test_the_account_is_moto_default(server_url: str) -> None:
    sts = boto3.client("sts", endpoint_url=server_url, region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_reset_empties_the_account_and_keeps_managed_policies(
    server_iam: Any, server_url: str
) -> None:
    server_iam.create_user(UserName="alice")
    server_iam.attach_user_policy(UserName="alice", PolicyArn=ADMIN_ARN)
    server_iam.create_account_alias(AccountAlias="acme-sandbox")

    reset_emulator(server_url)

    assert server_iam.list_users()["Users"] == []
    assert server_iam.list_account_aliases()["AccountAliases"] == []
    assert server_iam.get_policy(PolicyArn=ADMIN_ARN)["Policy"]["AttachmentCount"] == 0


@pytest.mark.process
def test_two_servers_run_at_once_with_separate_accounts(server_url: str) -> None:
    url, stop = start_emulator()
    try:
        assert urlsplit(url).port != urlsplit(server_url).port
        iam_client(url).create_user(UserName="only-on-the-second")
        assert iam_client(server_url).list_users()["Users"] == []
        assert iam_client(url).get_policy(PolicyArn=ADMIN_ARN)["Policy"]["Arn"] == ADMIN_ARN
    finally:
        stop()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/config", timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.process
def test_stopped_server_no_longer_answers() -> None:
    url, stop = start_emulator()
    assert answers(url)
    stop()
    assert not answers(url)


@pytest.mark.process
def test_server_does_not_outlive_a_killed_parent() -> None:
    # The parent starts an emulator, prints its URL, and is killed without any chance to stop it.
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_THAT_HANGS],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert parent.stdout is not None
    url = parent.stdout.readline().strip()
    assert answers(url)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while answers(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not answers(url)


PARENT_THAT_HANGS = """
import time
from reconciler.emulator import start_emulator
url, stop = start_emulator()
print(url, flush=True)
time.sleep(600)
"""


def test_in_process_moto_has_managed_policies(moto_iam: Any) -> None:
    assert moto_iam.get_policy(PolicyArn=ADMIN_ARN)["Policy"]["PolicyName"] == "AdministratorAccess"


def test_aws_fixture_reaches_in_process_moto(aws: Any) -> None:
    assert aws.identity().account == "123456789012"


# `iamctl-emulator`, as a person trying iamctl without AWS runs it.

EMULATOR_COMMAND = Path(sys.executable).parent / "iamctl-emulator"


def test_iamctl_emulator_without_moto_names_the_extra_to_install(monkeypatch, capsys) -> None:
    # What an `import moto` finds without the extra: nothing (None in sys.modules stops it).
    monkeypatch.setitem(sys.modules, "moto", None)
    monkeypatch.setitem(sys.modules, "moto.server", None)

    assert emulator.main([]) == 1

    out, err = capsys.readouterr()
    assert (out, err) == ("", "error: iamctl-emulator needs moto: pip install 'iamctl[emulator]'\n")


def test_iamctl_emulator_refuses_an_unknown_argument_in_one_line(capsys) -> None:
    assert emulator.main(["--port", "5000"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: unexpected argument '--port' (iamctl-emulator --help)\n"


def read_exports(child: subprocess.Popen[str]) -> dict[str, str | None]:
    """The variables the emulator tells a person to set (str) and unset (None), read up to its
    `unset` line."""
    assert child.stdout is not None
    exported: dict[str, str | None] = {}
    for line in child.stdout:
        if line.startswith("unset "):
            exported.update(dict.fromkeys(line.split()[1:]))
            return exported
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exported[name] = value
    raise AssertionError(f"no unset line after {exported}")


@pytest.mark.process
def test_iamctl_emulator_prints_what_to_export_and_a_first_plan_works(tmp_path) -> None:
    child = subprocess.Popen(
        [str(EMULATOR_COMMAND)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        env = read_exports(child)
        assert urlsplit(str(env["AWS_ENDPOINT_URL"])).hostname == "127.0.0.1"
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
        assert "AWS_PROFILE" in env and env["AWS_PROFILE"] is None
        plan = run_as_process(("plan", "examples/tutorial/account.yaml"), "", env, REPO_ROOT)
        assert plan.code == 0, plan.stderr
        assert "attach AdministratorAccess" in plan.stdout  # AWS managed policies are loaded
    finally:
        child.send_signal(signal.SIGTERM)
        rest, _ = child.communicate(timeout=30)
    assert child.returncode == 0
    assert rest.rstrip().endswith("# Emulator stopped.")
