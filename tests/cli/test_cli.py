"""The real `iamctl` command against a moto server, as a user runs it."""

from __future__ import annotations

import csv
import json
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.cli_flows import TUTORIAL, apply_saved
from tests.files import write_account
from tests.terminal import on_terminal

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture
def account_file(tmp_path: Path) -> Path:
    return Path(write_account(tmp_path, TUTORIAL))


def secrets_of(directory: Path) -> list[str]:
    values = []
    for path in directory.glob("*.csv"):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                values += [row["Password"], row["Secret access key"]]
    return [value for value in values if value]


def test_tutorial_flow_plan_apply_converge(run_iamctl, server_iam, account_file, tmp_path):
    secrets = tmp_path / "secrets"
    assert run_iamctl("validate", str(account_file)).code == 0

    planned = run_iamctl("plan", str(account_file), "--detailed-exitcode")
    assert planned.code == 2, planned.stderr
    assert "+ user admin: attach AdministratorAccess" in planned.stdout
    assert "Plan: 4 to add, 1 to change, 0 to destroy, 1 human step" in planned.stdout
    assert "read 0 users" in planned.stderr and "API calls" in planned.stderr

    applied = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert applied.code == 0, applied.stderr
    assert "done: + user admin: access key" in applied.stdout
    assert "Human steps still to do:" in applied.stdout

    csv_file = secrets / "admin_credentials.csv"
    assert stat.S_IMODE(csv_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    header = csv_file.read_text().splitlines()[0]
    assert header == "User name,Password,Access key ID,Secret access key,Console login link"
    assert "https://acme-sandbox.signin.aws.amazon.com/console" in csv_file.read_text()
    for secret in secrets_of(secrets):
        assert secret not in applied.stdout + applied.stderr

    again = run_iamctl("plan", str(account_file), "--detailed-exitcode")
    assert again.code == 3, again.stdout  # only the MFA human step is left
    assert "! user admin: MFA required" in again.stdout
    assert server_iam.list_account_aliases()["AccountAliases"] == ["acme-sandbox"]

    second = run_iamctl("apply", str(account_file), "--yes")  # nothing to create: no secrets dir
    assert second.code == 0, second.stderr
    assert len(server_iam.list_access_keys(UserName="admin")["AccessKeyMetadata"]) == 1


@pytest.mark.process
def test_mfa_enrolment_brings_the_plan_to_zero(
    run_iamctl, server_url, server_iam, account_file, tmp_path
):
    run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(tmp_path / "s"))
    assert run_iamctl("plan", str(account_file), "--detailed-exitcode").code == 3
    shown = enroll_with_real_codes(server_url, server_iam, "admin")
    assert "now enabled for user admin" in shown
    assert len(server_iam.list_mfa_devices(UserName="admin")["MFADevices"]) == 1
    assert run_iamctl("plan", str(account_file), "--detailed-exitcode").code == 0


@pytest.mark.process
def test_enrolment_never_shows_the_seed_even_with_debug(server_url, server_iam):
    server_iam.create_user(UserName="admin")
    shown = enroll_with_real_codes(server_url, server_iam, "admin", "--debug")
    seed = server_iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    assert "now enabled for user admin" in shown
    assert "DEBUG" in shown and "CreateVirtualMFADevice" in shown  # --debug logs were on
    assert "█" in shown  # the QR code was drawn on the terminal
    assert seed not in shown


@pytest.mark.process
def test_enrolment_shows_the_seed_on_the_terminal_when_asked(server_url, server_iam):
    server_iam.create_user(UserName="admin")
    shown = enroll_with_real_codes(server_url, server_iam, "admin", show_seed=True)
    seed = server_iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]["Base32StringSeed"]
    assert (seed.decode() if isinstance(seed, bytes) else seed) in shown


@pytest.mark.parametrize("flags", [[], ["--show-seed"]])
def test_enrolment_refuses_when_standard_output_is_not_a_terminal(run_iamctl, server_iam, flags):
    server_iam.create_user(UserName="admin")
    result = run_iamctl("mfa", "enroll", "admin", *flags, input="123456\n654321\n")
    assert result.code == 1
    assert result.stdout == ""  # no QR code, no seed in the pipe
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "not a terminal" in result.stderr
    assert server_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def enroll_with_real_codes(
    server_url: str, iam, user: str, *flags: str, show_seed: bool = False
) -> str:
    """Runs `iamctl mfa enroll` on a pseudo-terminal, as a person does, typing codes computed
    from the new device's seed, as AWS would demand (moto would accept any). The seed exists only
    once the CLI has created the device, so the codes are typed after it appears. Returns all
    the terminal showed (standard output and standard error: the prompts go to the latter)."""
    command = [*flags, "mfa", "enroll", user, *(["--show-seed"] if show_seed else [])]
    code, shown = on_terminal(server_url, command, iam=iam)
    assert code == 0, shown
    return shown




def test_mfa_enroll_refuses_in_ci(run_iamctl, server_iam):
    server_iam.create_user(UserName="admin")
    result = run_iamctl("mfa", "enroll", "admin", env={"CI": "true"})
    assert result.code == 1
    assert "CI" in result.stderr
    assert server_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_out_of_band_attachment_is_caught_and_removed(
    run_iamctl, server_iam, account_file, tmp_path
):
    run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(tmp_path / "s"))
    server_iam.attach_user_policy(UserName="admin", PolicyArn=READ_ONLY_ARN)
    drift = run_iamctl("plan", str(account_file), "--detailed-exitcode")
    assert drift.code == 2
    assert "- user admin: detach ReadOnlyAccess" in drift.stdout
    assert run_iamctl("apply", str(account_file), "--yes").code == 0
    attached = server_iam.list_attached_user_policies(UserName="admin")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ADMIN_ARN]


def test_a_file_for_another_account_is_refused_before_any_change(run_iamctl, server_iam, tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(textwrap.dedent(TUTORIAL).replace("123456789012", "210987654321"))
    for command in (["plan"], ["apply", "--yes", "--secrets-dir", str(tmp_path / "s")]):
        result = run_iamctl(*command, str(path))
        assert result.code == 1
        assert "210987654321" in result.stderr and "123456789012" in result.stderr
        assert "Traceback" not in result.stderr
    assert server_iam.list_users()["Users"] == []
    assert server_iam.list_account_aliases()["AccountAliases"] == []


def test_apply_needs_a_secrets_dir_before_any_change(run_iamctl, server_iam, account_file):
    result = run_iamctl("apply", str(account_file), "--yes")
    assert result.code == 1
    assert "--secrets-dir" in result.stderr
    assert server_iam.list_users()["Users"] == []


def test_secrets_dir_inside_a_git_work_tree_is_refused(
    run_iamctl, server_iam, account_file, tmp_path
):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(repo / "secrets"))
    assert result.code == 1
    assert "git" in result.stderr
    assert server_iam.list_users()["Users"] == []


@pytest.mark.parametrize(("answer", "code", "users"), [("n\n", 1, 0), ("y\n", 0, 1), ("", 1, 0)])
def test_apply_asks_for_confirmation(
    run_iamctl, server_iam, account_file, tmp_path, answer, code, users
):
    result = run_iamctl(
        "apply", str(account_file), "--secrets-dir", str(tmp_path / "s"), input=answer
    )
    assert result.code == code, result.stderr
    assert len(server_iam.list_users()["Users"]) == users


def test_no_secret_in_json_plan_saved_plan_apply_or_debug_output(
    run_iamctl, account_file, tmp_path
):
    secrets = tmp_path / "secrets"
    first = run_iamctl(
        "--debug", "apply", str(account_file), "--yes", "--secrets-dir", str(secrets)
    )
    assert first.code == 0, first.stderr
    # More secrets to come: a second key for admin, and a new user with a password and a key.
    account_file.write_text(
        account_file.read_text().replace("access_keys: 1", "access_keys: 2")
        + "  - name: ops\n    console: true\n    access_keys: 1\n"
    )
    saved = tmp_path / "plan.json"
    planned = run_iamctl("--debug", "plan", str(account_file), "--json", "--out", str(saved))
    assert planned.code == 0, planned.stderr
    data = json.loads(planned.stdout)
    assert data["summary"] == {
        "add": 4, "change": 0, "destroy": 0, "human": 1, "broadening": 0, "escalation": 0,
        "unknown": 0, "principals_gaining_access": 0,
    }
    assert data["account"] == {"id": "123456789012", "alias": "acme-sandbox"}
    assert json.loads(saved.read_text())["changes"] == data["changes"]
    applied = run_iamctl(
        "--debug", "apply", str(account_file), "--yes", "--secrets-dir", str(secrets),
        "--plan", str(saved),
    )
    assert applied.code == 0, applied.stderr
    assert all("DEBUG" in run.stderr for run in (first, planned, applied))

    found = secrets_of(secrets)
    assert len(found) == 5  # two passwords, three secret access keys
    outputs = {
        "plan --json": planned.stdout + planned.stderr,
        "plan --out file": saved.read_text(),
        "apply --plan": applied.stdout + applied.stderr,
        "apply --debug": first.stdout + first.stderr,
    }
    for secret in found:
        for name, output in outputs.items():
            assert secret not in output, name




def test_saved_plan_is_applied_exactly_or_refused_when_stale(
    run_iamctl, server_iam, account_file, tmp_path
):
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    server_iam.create_user(UserName="admin")  # the account moves on after the plan was made
    stale = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert stale.code == 1
    assert "stale" in stale.stderr
    assert server_iam.list_attached_user_policies(UserName="admin")["AttachedPolicies"] == []

    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    fresh = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert fresh.code == 0, fresh.stderr
    assert run_iamctl("plan", str(account_file), "--detailed-exitcode").code == 3


def test_usage_errors_exit_1(run_iamctl, account_file):
    for args in (
        ["plan"],
        ["plan", str(account_file), "--bogus"],
        ["frobnicate"],
        ["plan", str(account_file), "--json", "--markdown"],
    ):
        result = run_iamctl(*args)
        assert result.code == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_missing_file_is_one_line(run_iamctl, tmp_path):
    result = run_iamctl("plan", str(tmp_path / "nope.yaml"))
    assert result.code == 1
    assert "nope.yaml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_endpoint_url_flag_and_no_colour_off_a_terminal(run_iamctl, server_url, account_file):
    result = run_iamctl(
        "--endpoint-url",
        server_url,
        "plan",
        str(account_file),
        env={"AWS_ENDPOINT_URL": None, "NO_COLOR": None},
    )
    assert result.code == 0, result.stderr
    assert "\x1b[" not in result.stdout


def test_saved_plan_from_other_configuration_is_refused(
    run_iamctl, server_iam, account_file, tmp_path
):
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    account_file.write_text(account_file.read_text().replace("access_keys: 1", "access_keys: 2"))
    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 1
    assert "other configuration" in result.stderr
    assert server_iam.list_users()["Users"] == []


def test_saved_plan_for_another_account_is_refused(run_iamctl, server_iam, account_file, tmp_path):
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    data = json.loads(saved.read_text())
    data["account"]["id"] = "111111111111"
    saved.write_text(json.dumps(data))
    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 1
    assert "111111111111" in result.stderr and "123456789012" in result.stderr
    assert server_iam.list_users()["Users"] == []


def test_an_unwritable_out_file_is_one_line(run_iamctl, account_file, tmp_path):
    result = run_iamctl("plan", str(account_file), "--out", str(tmp_path / "no" / "plan.json"))
    assert result.code == 1
    assert result.stderr.splitlines()[-1].startswith("error: cannot write ")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
