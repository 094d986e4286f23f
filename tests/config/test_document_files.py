"""A `document_file` is read only from inside the configuration's tree (its git work tree, or the
YAML file's own directory outside git), and no error about a document echoes what it holds."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from reconciler.config.desired import load
from reconciler.core.errors import ConfigError
from tests.files import account_text

HEADER = account_text()
SECRET = "AKIAEXAMPLESECRET0001"
# A file that is not a policy and must never be read: its content holds a secret.
OUTSIDE_CONTENT = json.dumps({"aws_secret_access_key": SECRET, "Statement": [{"Action": SECRET}]})
GOOD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}


def git_init(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(directory)], check=True)


def write_config(directory: Path, document_file: str, where: str = "policy") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if where == "policy":
        body = f"policies:\n  - name: P\n    document_file: {json.dumps(document_file)}\n"
    else:
        body = (
            "groups:\n  - name: g\n    inline_policies:\n"
            f"      own: {{document_file: {json.dumps(document_file)}}}\n"
        )
    file = directory / "account.yaml"
    file.write_text(HEADER + body)
    return file


def load_error(file: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load([str(file)])
    message = str(caught.value)
    assert "\n" not in message
    assert SECRET not in message
    return caught.value


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A config repository (accounts/ beside policies/, as the README lays it out) with a secret
    file just outside it."""
    git_init(tmp_path / "repo")
    (tmp_path / "repo" / "policies").mkdir()
    (tmp_path / "repo" / "policies" / "read.json").write_text(json.dumps(GOOD, indent=2))
    (tmp_path / "secret.json").write_text(OUTSIDE_CONTENT)
    return tmp_path / "repo"


def test_a_file_elsewhere_in_the_work_tree_is_read(repo: Path) -> None:
    file = write_config(repo / "accounts", "../policies/read.json")
    [config] = load([str(file)])
    assert json.loads(config.state.policies["P"].document.text)["Statement"][0]["Action"] == (
        "s3:ListBucket"
    )


@pytest.mark.parametrize("where", ["policy", "inline"])
def test_a_relative_path_out_of_the_work_tree_is_refused(repo: Path, where: str) -> None:
    file = write_config(repo / "accounts", "../../secret.json", where)
    error = load_error(file)
    inline = "groups[0].inline_policies.own.document_file"
    assert error.field == ("policies[0].document_file" if where == "policy" else inline)
    assert error.location.line == (6 if where == "policy" else 7)
    assert "outside" in error.message and str(repo.resolve()) in error.message


def test_an_absolute_path_outside_is_refused(repo: Path) -> None:
    error = load_error(write_config(repo, str(repo.parent / "secret.json")))
    assert error.field == "policies[0].document_file"
    assert "outside" in error.message


def test_a_symlink_inside_that_points_outside_is_refused(repo: Path) -> None:
    os.symlink(repo.parent / "secret.json", repo / "policies" / "link.json")
    error = load_error(write_config(repo, "policies/link.json"))
    assert "outside" in error.message


def test_a_symlinked_directory_that_leads_outside_is_refused(repo: Path) -> None:
    os.symlink(repo.parent, repo / "up")
    assert "outside" in load_error(write_config(repo, "up/secret.json")).message


def test_a_symlink_that_stays_inside_is_read(repo: Path) -> None:
    os.symlink(repo / "policies" / "read.json", repo / "policies" / "alias.json")
    [config] = load([str(write_config(repo, "policies/alias.json"))])
    assert "P" in config.state.policies


def test_outside_git_the_yaml_files_directory_is_the_limit(tmp_path: Path) -> None:
    (tmp_path / "conf" / "docs").mkdir(parents=True)
    (tmp_path / "conf" / "docs" / "read.json").write_text(json.dumps(GOOD))
    (tmp_path / "secret.json").write_text(OUTSIDE_CONTENT)
    assert load([str(write_config(tmp_path / "conf", "docs/read.json"))])
    error = load_error(write_config(tmp_path / "conf", "../secret.json"))
    assert str((tmp_path / "conf").resolve()) in error.message


def test_a_missing_file_outside_is_refused_as_outside(repo: Path) -> None:
    # Whether a file exists outside the tree is not something a configuration may learn.
    error = load_error(write_config(repo, "../no-such-file.json"))
    assert "outside" in error.message


def test_a_missing_file_inside_is_no_such_file(repo: Path) -> None:
    assert load_error(write_config(repo, "policies/nope.json")).message.endswith("no such file")


def test_a_document_file_name_on_several_lines_is_refused(repo: Path) -> None:
    error = load_error(write_config(repo, "policies/read.json\nmore"))
    assert error.field == "policies[0].document_file"


VALUE_ECHOES = {
    "Action": (
        {"Effect": "Allow", "Action": ["s3:ListBucket", SECRET], "Resource": "*"},
        "Statement[0].Action[1]: not service:action or *",
    ),
    "Resource": (
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": SECRET},
        "Statement[0].Resource: not an ARN or *",
    ),
    "Effect": (
        {"Effect": SECRET, "Action": "s3:ListBucket", "Resource": "*"},
        "Statement[0].Effect: must be Allow or Deny",
    ),
    "Sid": (
        {"Sid": SECRET + "!", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        "Statement[0].Sid: must contain only letters and digits",
    ),
}


@pytest.mark.parametrize("statement,expected", VALUE_ECHOES.values(), ids=list(VALUE_ECHOES))
def test_problems_in_a_document_file_say_where_not_what(
    repo: Path, statement: dict[str, object], expected: str
) -> None:
    (repo / "policies" / "bad.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    error = load_error(write_config(repo, "policies/bad.json"))
    assert error.message == f"policies/bad.json: {expected}"


def test_a_bad_version_is_not_echoed(repo: Path) -> None:
    (repo / "policies" / "bad.json").write_text(json.dumps({**GOOD, "Version": SECRET}))
    message = load_error(write_config(repo, "policies/bad.json")).message
    assert message == 'policies/bad.json: Version: must be "2012-10-17" or "2008-10-17"'


def test_a_repeated_sid_is_not_echoed(repo: Path) -> None:
    statement = {"Sid": "A" + SECRET[4:], "Effect": "Allow", "Action": "s3:X", "Resource": "*"}
    (repo / "policies" / "bad.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement, statement]})
    )
    message = load_error(write_config(repo, "policies/bad.json")).message
    assert message == "policies/bad.json: Statement[1].Sid: repeats the Sid of Statement[0]"
    assert SECRET[4:] not in message


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{"Version": "2012-10-17", "Statement": [' + SECRET + "]}", r":1:41: not valid JSON: "),
        ('{"a": "' + SECRET + '\n"}', r":1:\d+: not valid JSON: "),
        ('{"a": "x",\n  "a": "' + SECRET + '"}', r": duplicate key \"a\" in a JSON object$"),
        (b'{"Version": "\xff' + SECRET.encode() + b'"}', r":1:14: not valid UTF-8$"),
    ],
)
def test_a_broken_json_file_is_reported_by_position_only(
    repo: Path, text: str | bytes, expected: str
) -> None:
    path = repo / "policies" / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    message = load_error(write_config(repo, "policies/bad.json")).message
    assert re.match("policies/bad.json" + expected, message), message


def test_inline_yaml_documents_follow_the_same_rule(tmp_path: Path) -> None:
    file = tmp_path / "account.yaml"
    statement = f"      Statement: [{{Effect: Allow, Action: [s3:X, {SECRET}], Resource: '*'}}]"
    file.write_text(
        HEADER + "policies:\n  - name: P\n    document:\n      Version: '2012-10-17'\n"
        + statement + "\n"
    )
    error = load_error(file)
    assert error.field == "policies[0].document.Statement[0].Action[1]"
    assert error.message == "not service:action or *"
    assert (error.location.line, error.location.column) == (8, statement.index(SECRET) + 1)


def test_schema_problems_inside_an_inline_document_are_not_echoed(tmp_path: Path) -> None:
    file = tmp_path / "account.yaml"
    file.write_text(
        HEADER + "policies:\n  - name: P\n    document:\n"
        f"      Version: '{SECRET}'\n      Statement: []\n"
    )
    error = load_error(file)
    assert error.field == "policies[0].document.Version"


def test_validate_refuses_a_file_outside_through_the_cli(run_iamctl, repo: Path) -> None:
    file = write_config(repo / "accounts", "../../secret.json")
    result = run_iamctl("validate", str(file))
    assert result.code == 1
    assert SECRET not in result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {file}:6:") and "outside" in line
