"""The real `iamctl` command against a moto server, as a user runs it."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyotp
import pytest

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
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture
def account_file(tmp_path: Path) -> Path:
    path = tmp_path / "account.yaml"
    path.write_text(textwrap.dedent(TUTORIAL))
    return path


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
    assert "Plan: 4 to add, 1 to change, 0 to destroy, 1 human step." in planned.stdout
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


def test_mfa_enrolment_brings_the_plan_to_zero(
    run_iamctl, server_url, server_iam, account_file, tmp_path
):
    run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(tmp_path / "s"))
    assert run_iamctl("plan", str(account_file), "--detailed-exitcode").code == 3
    shown = enroll_with_real_codes(server_url, server_iam, "admin")
    assert "now enabled for user admin" in shown
    assert len(server_iam.list_mfa_devices(UserName="admin")["MFADevices"]) == 1
    assert run_iamctl("plan", str(account_file), "--detailed-exitcode").code == 0


def test_enrolment_never_shows_the_seed_even_with_debug(server_url, server_iam):
    server_iam.create_user(UserName="admin")
    shown = enroll_with_real_codes(server_url, server_iam, "admin", "--debug")
    seed = server_iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    assert "now enabled for user admin" in shown
    assert "DEBUG" in shown and "CreateVirtualMFADevice" in shown  # --debug logs were on
    assert "█" in shown  # the QR code was drawn on the terminal
    assert seed not in shown


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
    env = {**os.environ, "AWS_ENDPOINT_URL": server_url}
    env.pop("CI", None)
    iamctl = Path(sys.executable).parent / "iamctl"
    command = [str(iamctl), *flags, "mfa", "enroll", user, *(["--show-seed"] if show_seed else [])]
    with Terminal() as terminal:
        process = subprocess.Popen(
            command, stdin=terminal.child, stdout=terminal.child, stderr=terminal.child, env=env
        )
        terminal.started()
        try:
            totp = pyotp.TOTP(wait_for_seed(iam))
            now = time.time()
            terminal.answer("First 6-digit code", totp.at(now))
            terminal.answer("Next 6-digit code", totp.at(now + 30))
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        shown = terminal.shown()
    assert code == 0, shown
    return shown


class Terminal:
    """A pseudo-terminal for a child process: what it shows is collected, answers are typed."""

    def __init__(self) -> None:
        self.parent, self.child = os.openpty()
        self._shown = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Terminal:
        return self

    def started(self) -> None:
        os.close(self.child)  # the child holds it now; reading ends when the child exits
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.parent, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            with self._lock:
                self._shown += data

    def shown(self) -> str:
        self._reader.join(timeout=10)
        with self._lock:
            return self._shown.decode(errors="replace")

    def answer(self, prompt: str, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while prompt not in self.shown_so_far():
            shown = self.shown_so_far()[-300:]
            assert time.monotonic() < deadline, f"no prompt {prompt!r}: {shown}"
            time.sleep(0.05)
        os.write(self.parent, f"{text}\n".encode())

    def shown_so_far(self) -> str:
        with self._lock:
            return self._shown.decode(errors="replace")

    def __exit__(self, *_: object) -> None:
        os.close(self.parent)


def wait_for_seed(iam, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
        if devices:
            seed = devices[0]["Base32StringSeed"]
            return seed.decode() if isinstance(seed, bytes) else seed
        time.sleep(0.1)
    raise AssertionError("the CLI never created the virtual MFA device")


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
    assert data["summary"] == {"add": 4, "change": 0, "destroy": 0, "human": 1}
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


# Credential delivery: every target is checked before any change.

CREDENTIALS_HEADER = "User name,Password,Access key ID,Secret access key,Console login link\n"
SIGN_IN = "https://acme-sandbox.signin.aws.amazon.com/console"


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


def private_file(path: Path, text: str | bytes, mode: int = 0o600) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    path.chmod(mode)
    return path


def a_directory(target: Path) -> str:
    target.mkdir()
    return "not a regular file"


def a_foreign_file(target: Path) -> str:
    private_file(target, "name,notes\nadmin,keep me\n")
    return "not an iamctl credentials file"


def a_symlink_to_a_credentials_file(target: Path) -> str:
    elsewhere = private_file(target.parent.parent / "elsewhere.csv", CREDENTIALS_HEADER)
    target.symlink_to(elsewhere)
    return "symbolic link"


def a_csv_that_is_not_utf8(target: Path) -> str:
    private_file(target, CREDENTIALS_HEADER.encode() + b"admin,\xff\xfe,,,\n")
    return "cannot be read"


def a_file_others_can_read(target: Path) -> str:
    private_file(target, CREDENTIALS_HEADER, mode=0o644)
    return "open to other users"


@pytest.mark.parametrize(
    "arrange",
    # One of each kind; tests/test_credentials.py has every case of the check itself.
    [
        a_directory,
        a_foreign_file,
        a_symlink_to_a_credentials_file,
        a_csv_that_is_not_utf8,
        a_file_others_can_read,
    ],
)
def test_a_credentials_file_that_cannot_be_written_is_refused_before_any_change(
    run_iamctl, server_iam, account_file, tmp_path, arrange
):
    secrets = private_dir(tmp_path / "secrets")
    target = secrets / "admin_credentials.csv"
    reason = arrange(target)
    before = target.lstat()
    content = os.readlink(target) if target.is_symlink() else None

    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert str(target) in errors[0] and reason in errors[0]
    assert "nothing was changed" in errors[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "New credentials" not in result.stdout
    assert server_iam.list_users()["Users"] == []
    assert server_iam.list_account_aliases()["AccountAliases"] == []
    after = target.lstat()
    assert (after.st_mode, after.st_uid, after.st_mtime_ns) == (
        before.st_mode, before.st_uid, before.st_mtime_ns,
    )
    if content is not None:
        assert os.readlink(target) == content


def test_an_existing_credentials_file_of_iamctl_gets_the_new_rows(
    run_iamctl, account_file, tmp_path
):
    secrets = private_dir(tmp_path / "secrets")
    earlier = "admin,old-pw,,,https://old.signin.aws.amazon.com/console\n"
    target = private_file(secrets / "admin_credentials.csv", CREDENTIALS_HEADER + earlier)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 0, result.stderr
    rows = list(csv.reader(target.open()))
    assert rows[1] == earlier.strip().split(",")
    assert [row[4] for row in rows[2:]] == [SIGN_IN]
    assert f"New credentials for user admin: {target}" in result.stdout


@pytest.mark.parametrize("mode", [0o755, 0o750])
def test_a_secrets_dir_open_to_others_is_refused_and_left_alone(
    run_iamctl, server_iam, account_file, tmp_path, mode
):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    secrets.chmod(mode)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert str(secrets) in errors[0] and f"{mode:04o}" in errors[0]
    assert stat.S_IMODE(secrets.stat().st_mode) == mode  # never chmod-ed
    assert server_iam.list_users()["Users"] == []


def test_a_secrets_dir_of_another_user_is_refused(run_iamctl, server_iam, account_file, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    secrets = private_dir(tmp_path / "secrets")
    os.chown(secrets, 65534, 65534)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    assert "owned by another user" in result.stderr and str(secrets) in result.stderr
    assert server_iam.list_users()["Users"] == []


def test_a_secrets_dir_iamctl_creates_is_private_whatever_the_umask(
    run_iamctl, account_file, tmp_path
):
    secrets = tmp_path / "new" / "secrets"
    umask = os.umask(0)  # the child inherits it: directories would be made 0777
    try:
        result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    finally:
        os.umask(umask)
    assert result.code == 0, result.stderr
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert stat.S_IMODE(secrets.parent.stat().st_mode) == 0o700  # made by iamctl too
    assert stat.S_IMODE((secrets / "admin_credentials.csv").stat().st_mode) == 0o600


# Saved plans: only the changes and the fingerprints are taken from the file.


def test_a_saved_plan_cannot_choose_the_sign_in_url_or_hide_human_steps(
    run_iamctl, server_iam, account_file, tmp_path
):
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    data = json.loads(saved.read_text())
    data["account"]["alias"] = "evil.example.com/phish?x="
    data["human_steps"] = []
    saved.write_text(json.dumps(data))

    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 0, result.stderr
    assert "evil" not in result.stdout + result.stderr
    assert "! user admin: MFA required" in result.stdout
    links = [row["Console login link"] for row in csv.DictReader(
        (tmp_path / "s" / "admin_credentials.csv").open()
    )]
    assert links == [SIGN_IN]
    assert server_iam.list_account_aliases()["AccountAliases"] == ["acme-sandbox"]


@pytest.mark.parametrize("moved", ["tag on an unmanaged user", "status of an unmanaged key"])
def test_a_saved_plan_is_refused_when_only_the_account_moved(
    run_iamctl, server_iam, account_file, tmp_path, moved
):
    server_iam.create_user(UserName="contractor")
    key = server_iam.create_access_key(UserName="contractor")["AccessKey"]["AccessKeyId"]
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    if moved == "tag on an unmanaged user":
        server_iam.tag_user(UserName="contractor", Tags=[{"Key": "team", "Value": "x"}])
    else:
        server_iam.update_access_key(UserName="contractor", AccessKeyId=key, Status="Inactive")
    # The account changed in a way the plan does not show: a fresh plan has the same changes.
    fresh = tmp_path / "fresh.json"
    assert run_iamctl("plan", str(account_file), "--out", str(fresh)).code == 0
    assert json.loads(fresh.read_text())["changes"] == json.loads(saved.read_text())["changes"]

    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 1
    assert "plan is stale" in result.stderr
    assert "modified outside iamctl" in result.stderr
    assert [user["UserName"] for user in server_iam.list_users()["Users"]] == ["contractor"]
