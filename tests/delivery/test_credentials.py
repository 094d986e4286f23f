"""Generated passwords and the secrets files apply writes."""

from __future__ import annotations

import csv
import os
import stat
import string
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.core.errors import IamctlError
from reconciler.core.state import PasswordPolicy
from reconciler.delivery.credentials import CSV_HEADER, SYMBOLS, SecretsSink, generate_password
from tests.files import private_file

URL = "https://acme-sandbox.signin.aws.amazon.com/console"

policies = st.builds(
    PasswordPolicy,
    minimum_length=st.integers(min_value=6, max_value=128),
    require_symbols=st.booleans(),
    require_numbers=st.booleans(),
    require_uppercase=st.booleans(),
    require_lowercase=st.booleans(),
)


def classes(password: str) -> dict[str, bool]:
    return {
        "upper": any(c in string.ascii_uppercase for c in password),
        "lower": any(c in string.ascii_lowercase for c in password),
        "digit": any(c in string.digits for c in password),
        "symbol": any(c in SYMBOLS for c in password),
    }


@given(policies)
def test_password_meets_any_policy(policy: PasswordPolicy) -> None:
    password = generate_password(policy)
    assert len(password) == max(policy.minimum_length, 24)
    assert all(classes(password).values())
    assert set(password) <= set(string.ascii_letters + string.digits + SYMBOLS)


def test_password_without_policy_is_long_with_all_classes() -> None:
    password = generate_password(None)
    assert len(password) >= 24
    assert all(classes(password).values())


def test_password_never_starts_like_a_spreadsheet_formula() -> None:
    assert all(generate_password(None)[0].isalpha() for _ in range(200))


def test_passwords_are_unique() -> None:
    assert len({generate_password(None) for _ in range(500)}) == 500


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_directory_created_0700_and_file_0600(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path / "secrets" / "acme", URL)
    path = sink.deliver("admin", password="pw-1")
    assert mode(tmp_path / "secrets" / "acme") == 0o700
    assert mode(path) == 0o600
    assert path == tmp_path / "secrets" / "acme" / "admin_credentials.csv"


@pytest.mark.parametrize("bits", [0o755, 0o750, 0o711, 0o702])
def test_existing_directory_open_to_others_is_refused_never_tightened(
    tmp_path: Path, bits: int
) -> None:
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(bits)
    with pytest.raises(IamctlError) as raised:
        SecretsSink.check_directory(directory)
    assert f"{directory} is open to other users (mode {bits:04o})" in str(raised.value)
    assert mode(directory) == bits


def test_existing_private_directory_is_accepted_as_it_is(tmp_path: Path) -> None:
    directory = tmp_path / "private"
    directory.mkdir()
    directory.chmod(0o700)
    SecretsSink.check_directory(directory)
    assert mode(directory) == 0o700


def test_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    directory = tmp_path / "theirs"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)
    with pytest.raises(IamctlError, match="owned by another user"):
        SecretsSink.check_directory(directory)


def test_a_file_in_place_of_the_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secrets").write_text("")
    with pytest.raises(IamctlError, match="is not a directory"):
        SecretsSink.check_directory(tmp_path / "secrets")


def test_directories_iamctl_makes_are_private_whatever_the_umask(tmp_path: Path) -> None:
    umask = os.umask(0)
    try:
        SecretsSink.check_directory(tmp_path / "a" / "b" / "secrets")
    finally:
        os.umask(umask)
    for made in ("a", "a/b", "a/b/secrets"):
        assert mode(tmp_path / made) == 0o700, made


def test_password_and_key_merge_into_one_row(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    sink.deliver("admin", password="pw-1")
    path = sink.deliver("admin", access_key_id="AKIA1", secret_access_key="s3cret")
    assert read_csv(path) == [list(CSV_HEADER), ["admin", "pw-1", "AKIA1", "s3cret", URL]]
    assert CSV_HEADER == (
        "User name", "Password", "Access key ID", "Secret access key", "Console login link"
    )


def test_key_first_then_password_still_one_row(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    sink.deliver("bot", access_key_id="AKIA1", secret_access_key="s1")
    path = sink.deliver("bot", password="pw")
    assert read_csv(path)[1:] == [["bot", "pw", "AKIA1", "s1", URL]]


def test_two_keys_give_two_rows(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    sink.deliver("admin", password="pw")
    sink.deliver("admin", access_key_id="AKIA1", secret_access_key="s1")
    path = sink.deliver("admin", access_key_id="AKIA2", secret_access_key="s2")
    assert read_csv(path)[1:] == [
        ["admin", "pw", "AKIA1", "s1", URL],
        ["admin", "", "AKIA2", "s2", URL],
    ]


def test_new_password_replaces_the_old_one(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    sink.deliver("admin", password="old")
    path = sink.deliver("admin", password="new")
    assert read_csv(path)[1:] == [["admin", "new", "", "", URL]]


def test_other_account_rows_are_kept_apart(tmp_path: Path) -> None:
    other = "https://123456789012.signin.aws.amazon.com/console"
    SecretsSink(tmp_path, URL).deliver("admin", password="pw-a")
    path = SecretsSink(tmp_path, other).deliver("admin", password="pw-b")
    assert read_csv(path)[1:] == [["admin", "pw-a", "", "", URL], ["admin", "pw-b", "", "", other]]


HEADER_LINE = ",".join(CSV_HEADER) + "\n"


def symlink_to_credentials(path: Path) -> None:
    path.symlink_to(private_file(path.parent.parent / "elsewhere.csv", HEADER_LINE))


def fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


BAD_TARGETS = {
    "directory": (lambda path: path.mkdir(), "is not a regular file"),
    "fifo": (fifo, "is not a regular file"),
    "symlink": (symlink_to_credentials, "is a symbolic link"),
    "dangling symlink": (lambda path: path.symlink_to("nowhere.csv"), "is a symbolic link"),
    "foreign csv": (
        lambda path: private_file(path, "name,notes\nadmin,x\n"),
        "is not an iamctl credentials file",
    ),
    "empty file": (lambda path: private_file(path, ""), "is not an iamctl credentials file"),
    "not utf-8": (
        lambda path: private_file(path, HEADER_LINE.encode() + b"admin,\xff,,,\n"),
        "cannot be read as an iamctl credentials file (not UTF-8 text)",
    ),
    "nul byte": (
        lambda path: private_file(path, HEADER_LINE + "admin,\x00,,,\n"),
        "cannot be read as an iamctl credentials file (a NUL byte)",
    ),
    "bad quoting": (
        lambda path: private_file(path, HEADER_LINE + 'admin,"pw"x,,,\n'),
        "cannot be read as an iamctl credentials file (line 2:",
    ),
    "short row": (
        lambda path: private_file(path, HEADER_LINE + "admin,pw\n"),
        "cannot be read as an iamctl credentials file (line 2: 2 fields, not 5)",
    ),
    "group readable": (lambda path: private_file(path, HEADER_LINE, 0o640), "(mode 0640)"),
    "world writable": (lambda path: private_file(path, HEADER_LINE, 0o602), "(mode 0602)"),
}


@pytest.mark.parametrize("case", BAD_TARGETS)
def test_bad_targets_are_refused_in_one_line_before_and_at_delivery(
    tmp_path: Path, case: str
) -> None:
    arrange, message = BAD_TARGETS[case]
    sink = SecretsSink(tmp_path / "secrets", URL)
    target = sink.path_for("admin")
    arrange(target)
    before = target.lstat()
    for attempt in ("check", "deliver"):
        with pytest.raises(IamctlError) as raised:
            if attempt == "check":
                sink.check_target("admin")
            else:
                sink.deliver("admin", password="pw")
        text = str(raised.value)
        assert message in text and str(target) in text
        assert "\n" not in text
    after = target.lstat()
    assert (after.st_mode, after.st_ino, after.st_mtime_ns) == (
        before.st_mode, before.st_ino, before.st_mtime_ns,
    )
    assert sink.written == {}


def test_a_file_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    sink = SecretsSink(tmp_path / "secrets", URL)
    os.chown(private_file(sink.path_for("admin"), HEADER_LINE), 65534, 65534)
    with pytest.raises(IamctlError, match="is owned by another user"):
        sink.check_target("admin")


def test_secrets_never_leak_into_a_parse_error(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path / "secrets", URL)
    row = "admin,Sup3rSecret!,AKIA1,s3cr3t,link,more\n"
    private_file(sink.path_for("admin"), HEADER_LINE + row)
    with pytest.raises(IamctlError) as raised:
        sink.check_target("admin")
    assert "Sup3rSecret" not in str(raised.value) and "s3cr3t" not in str(raised.value)


def test_absent_and_valid_targets_pass_the_check(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path / "secrets", URL)
    sink.check_target("admin")
    sink.deliver("admin", password="pw")
    sink.check_target("admin")
    assert mode(sink.path_for("admin")) == 0o600


def test_written_names_only_the_files_written_by_this_sink(tmp_path: Path) -> None:
    earlier = SecretsSink(tmp_path / "secrets", URL)
    earlier.deliver("bob", password="pw")
    sink = SecretsSink(tmp_path / "secrets", URL)
    assert sink.written == {}
    sink.deliver("alice", access_key_id="AKIA1", secret_access_key="s1")
    assert sink.written == {"alice": tmp_path / "secrets" / "alice_credentials.csv"}


def test_foreign_file_is_not_overwritten(tmp_path: Path) -> None:
    private_file(tmp_path / "admin_credentials.csv", "something else\n")
    with pytest.raises(IamctlError, match="not an iamctl credentials file"):
        SecretsSink(tmp_path, URL).deliver("admin", password="pw")
    assert (tmp_path / "admin_credentials.csv").read_text() == "something else\n"


def test_no_temporary_files_left(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    sink.deliver("admin", password="pw")
    sink.deliver("admin", access_key_id="AKIA1", secret_access_key="s1")
    assert [p.name for p in tmp_path.iterdir()] == ["admin_credentials.csv"]


def test_concurrent_deliveries_lose_nothing(tmp_path: Path) -> None:
    sink = SecretsSink(tmp_path, URL)
    users = [f"user{i}" for i in range(8)]

    def deliver(user: str, part: int) -> None:
        if part == 0:
            sink.deliver(user, password=f"pw-{user}")
        else:
            sink.deliver(user, access_key_id=f"AKIA{user}{part}", secret_access_key=f"s{part}")

    threads = [threading.Thread(target=deliver, args=(u, p)) for p in range(3) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user in users:
        rows = read_csv(tmp_path / f"{user}_credentials.csv")[1:]
        assert sorted(row[2] for row in rows) == [f"AKIA{user}1", f"AKIA{user}2"]
        assert [row[1] for row in rows if row[1]] == [f"pw-{user}"]
        assert mode(tmp_path / f"{user}_credentials.csv") == 0o600


def git_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_refuses_directory_in_git_work_tree(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    with pytest.raises(IamctlError, match="inside a git work tree"):
        SecretsSink.check_directory(repo / "secrets")
    assert not (repo / "secrets").exists()


def test_refuses_existing_directory_in_git_work_tree(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "out" / "secrets").mkdir(parents=True)
    with pytest.raises(IamctlError, match="not ignored by git"):
        SecretsSink(repo / "out" / "secrets", URL)


@pytest.mark.parametrize("pattern", ["secrets/", "secrets", "/secrets/", "*"])
def test_accepts_directory_that_git_ignores(tmp_path: Path, pattern: str) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text(f"{pattern}\n")
    SecretsSink.check_directory(repo / "secrets")
    assert mode(repo / "secrets") == 0o700


def test_accepts_directory_outside_git(tmp_path: Path) -> None:
    SecretsSink.check_directory(tmp_path / "secrets")
    assert (tmp_path / "secrets").is_dir()


def test_without_git_nothing_is_a_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    SecretsSink.check_directory(repo / "secrets")
    assert (repo / "secrets").is_dir()
