"""From YAML files to the desired State: fields, defaults, merging, permissions_from, resolve()."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.config.desired import Config, load, resolve
from reconciler.config.schema import load_schema
from reconciler.core.errors import ConfigError
from reconciler.core.kinds.entities import IGNORABLE
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.mfa_policy import (
    ENFORCE_MFA_POLICY_DESCRIPTION,
    ENFORCE_MFA_POLICY_NAME,
    enforce_mfa_document,
)
from reconciler.core.state import (
    Account,
    Group,
    Ignore,
    ManagedPolicy,
    MfaMode,
    PasswordPolicy,
    Root,
    User,
)
from tests.files import write_account

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
VIEW_ONLY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
CATALOG = {
    "AdministratorAccess": ADMIN,
    "ReadOnlyAccess": READ_ONLY,
    "ViewOnlyAccess": VIEW_ONLY,
    "job-function/ViewOnlyAccess": VIEW_ONLY,
}
READ_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
STATEMENT = "{Effect: Allow, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*'}"
INLINE = f"{{Version: '2012-10-17', Statement: [{STATEMENT}]}}"

Write = Callable[..., str]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes a config file in tmp_path; the version and account header are added unless the
    text has them (write_account)."""
    return functools.partial(write_account, tmp_path)


def load_one(*files: str) -> Config:
    [config] = load(list(files))
    return config


def error(files: list[str]) -> str:
    with pytest.raises(ConfigError) as caught:
        for config in load(files):
            resolve(config, CATALOG)
    return str(caught.value)


def test_minimal_file(write: Write) -> None:
    file = write("")
    config = load_one(file)
    assert config.account_id == ACCOUNT
    assert config.files == (file,)
    assert (config.profile, config.role_arn, config.policy_refs) == (None, None, ())
    state = config.state
    assert state.account == Account(ACCOUNT)
    assert (state.users, state.groups, state.policies) == ({}, {}, {})
    assert (state.prune, state.ignore) == (False, Ignore())


USERS: dict[str, tuple[str, User]] = {
    "only a name: permissions empty, the rest unmanaged": ("{name: admin}", User("admin")),
    "every scalar field": (
        "{name: admin, path: /staff/, console: false, access_keys: 2, mfa: required}",
        User("admin", path="/staff/", console=False, access_keys=2, mfa=MfaMode.REQUIRED),
    ),
    "empty tags are managed (remove all)": ("{name: admin, tags: {}}", User("admin", tags={})),
    "tags": (
        "{name: admin, tags: {team: platform, cost: '42'}}",
        User("admin", tags={"team": "platform", "cost": "42"}),
    ),
    "policies stay as written until resolve": (
        "{name: admin, policies: [AdministratorAccess, job-function/ViewOnlyAccess]}",
        User("admin", policies=frozenset({"AdministratorAccess", "job-function/ViewOnlyAccess"})),
    ),
    "inline policies in canonical form": (
        f"{{name: admin, inline_policies: {{own: {INLINE}}}}}",
        User("admin", inline_policies={"own": canonical(READ_BUCKET)}),
    ),
    "unquoted date Version": (
        "{name: admin, inline_policies: {own: {Version: 2012-10-17, Statement: "
        + STATEMENT
        + "}}}",
        User("admin", inline_policies={"own": canonical(READ_BUCKET)}),
    ),
}


@pytest.mark.parametrize("entry,expected", USERS.values(), ids=list(USERS))
def test_user_fields(write: Write, entry: str, expected: User) -> None:
    assert load_one(write(f"users:\n  - {entry}\n")).state.users == {expected.name: expected}


def test_groups_and_membership(write: Write) -> None:
    file = write(
        f"""
        groups:
          - {{name: admins, path: /ops/, policies: [AdministratorAccess]}}
          - name: readers
            inline_policies: {{own: {INLINE}}}
        users:
          - {{name: admin, groups: [admins, readers]}}
        """
    )
    state = load_one(file).state
    assert state.groups == {
        "admins": Group("admins", path="/ops/", policies=frozenset({"AdministratorAccess"})),
        "readers": Group("readers", inline_policies={"own": canonical(READ_BUCKET)}),
    }
    assert state.users["admin"].groups == frozenset({"admins", "readers"})


def test_customer_policies(write: Write, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "read.json").write_text(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "arn:aws:s3:::b/*"}}'
    )
    file = write(
        f"""
        policies:
          - {{name: Inline, document: {INLINE}}}
          - name: FromFile
            path: /team/
            description: Read the bucket
            tags: {{owner: data}}
            document_file: docs/read.json
        """
    )
    assert load_one(file).state.policies == {
        "Inline": ManagedPolicy("Inline", canonical(READ_BUCKET)),
        "FromFile": ManagedPolicy(
            "FromFile",
            canonical(READ_BUCKET),
            path="/team/",
            description="Read the bucket",
            tags={"owner": "data"},
        ),
    }


def test_document_file_is_relative_to_the_yaml_file(
    write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf" / "policies").mkdir(parents=True)
    (tmp_path / "conf" / "policies" / "p.json").write_text(canonical(READ_BUCKET).text)
    file = write(
        "policies:\n  - {name: P, document_file: policies/p.json}\n", name="conf/account.yaml"
    )
    monkeypatch.chdir(tmp_path)
    assert load_one(file).state.policies["P"].document == canonical(READ_BUCKET)


def test_account_settings(write: Write) -> None:
    file = write(
        """
        version: 1
        account:
          id: "012345678901"
          alias: acme-sandbox
          profile: sandbox
          root: {mfa: required, access_keys: forbidden}
          password_policy: {minimum_length: 14, require_symbols: true, max_age_days: 90}
        prune: true
        ignore: {users: ["cdk-*"], policies: ["aws-*", "cdk-*"]}
        """
    )
    config = load_one(file)
    assert (config.account_id, config.profile, config.role_arn) == ("012345678901", "sandbox", None)
    assert config.state.account == Account(
        "012345678901",
        alias="acme-sandbox",
        root=Root(mfa=True, access_keys=False),
        password_policy=PasswordPolicy(minimum_length=14, require_symbols=True, max_age_days=90),
    )
    assert config.state.prune is True
    assert config.state.ignore == Ignore(users=("cdk-*",), policies=("aws-*", "cdk-*"))


def test_root_with_one_rule_leaves_the_other_unmanaged(write: Write) -> None:
    config = load_one(write('version: 1\naccount: {id: "123456789012", root: {mfa: required}}\n'))
    assert config.state.account.root == Root(mfa=True, access_keys=None)


def test_role_arn(write: Write) -> None:
    role = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    config = load_one(write(f'version: 1\naccount: {{id: "{ACCOUNT}", role_arn: "{role}"}}\n'))
    assert config.role_arn == role


def test_files_of_one_account_merge_and_refer_to_each_other(write: Write) -> None:
    first = write(
        "groups: [{name: admins}]\nusers: [{name: admin, policies: [P]}]\n", name="a.yaml"
    )
    second = write(
        f"policies: [{{name: P, document: {INLINE}}}]\nusers: [{{name: bot, groups: [admins]}}]\n",
        name="b.yaml",
    )
    config = load_one(first, second)
    assert config.files == (first, second)
    assert list(config.state.users) == ["admin", "bot"]
    assert list(config.state.groups) == ["admins"]
    assert list(config.state.policies) == ["P"]
    state = resolve(config, CATALOG)
    assert state.users["admin"].policies == frozenset({f"arn:aws:iam::{ACCOUNT}:policy/P"})
    assert state.users["bot"].groups == frozenset({"admins"})


def test_account_settings_given_once_or_equally_merge(write: Write) -> None:
    first = write(
        'version: 1\naccount: {id: "123456789012", alias: acme}\nprune: true\n', name="a.yaml"
    )
    second = write(
        'version: 1\naccount:\n  id: "123456789012"\n  alias: acme\n'
        "  password_policy: {minimum_length: 12}\n",
        name="b.yaml",
    )
    state = load_one(first, second).state
    assert state.account.alias == "acme"
    assert state.account.password_policy == PasswordPolicy(minimum_length=12)
    assert state.prune is True


def test_accounts_in_order_of_first_appearance(write: Write) -> None:
    files = [
        write("users: [{name: a}]\n", name="1.yaml", account="222222222222"),
        write("users: [{name: b}]\n", name="2.yaml", account="111111111111"),
        write("users: [{name: c}]\n", name="3.yaml", account="222222222222"),
    ]
    configs = load(files)
    assert [c.account_id for c in configs] == ["222222222222", "111111111111"]
    assert [list(c.state.users) for c in configs] == [["a", "c"], ["b"]]
    assert configs[0].files == (files[0], files[2])


def test_a_directory_means_its_yaml_files_sorted(write: Write, tmp_path: Path) -> None:
    write("users: [{name: b}]\n", name="conf/b.yml")
    write("users: [{name: a}]\n", name="conf/a.yaml")
    (tmp_path / "conf" / "notes.txt").write_text("not: yaml: at all")
    config = load_one(str(tmp_path / "conf"))
    assert list(config.state.users) == ["a", "b"]


def test_a_file_given_twice_counts_once(write: Write) -> None:
    file = write("users: [{name: a}]\n")
    assert list(load_one(file, file).state.users) == ["a"]


def test_name_declared_in_two_files_names_both_places(write: Write) -> None:
    first = write("users:\n  - name: admin\n", name="first.yaml")
    second = write("users:\n  - name: Admin\n", name="second.yaml")
    assert error([first, second]) == (
        f"{second}:5:11: users[0].name: user 'Admin' is already declared at {first}:5:11"
    )


@pytest.mark.parametrize(
    "first,second,where",
    [
        ("  alias: acme\n", "  alias: acme-two\n", ":4:10: account.alias: differs from the alias"),
        ("  profile: a\n", "  profile: b\n", ":4:12: account.profile: differs from the profile"),
        (
            "  password_policy: {minimum_length: 12}\n",
            "  password_policy: {minimum_length: 14}\n",
            ":4:3: account.password_policy: differs from the password_policy",
        ),
        (
            "  root: {mfa: required}\n",
            "  root: {access_keys: forbidden}\n",
            ":4:3: account.root: differs from the root",
        ),
        ("prune: true\n", "prune: false\n", ":4:8: prune: differs from the prune"),
    ],
)
def test_account_settings_that_disagree_name_both_places(
    write: Write, first: str, second: str, where: str
) -> None:
    header = f'version: 1\naccount:\n  id: "{ACCOUNT}"\n'
    a = write(header + first, name="a.yaml")
    b = write(header + second, name="b.yaml")
    position = where.split(" ", 1)[0].rstrip(":")  # both files have the setting at the same place
    assert error([a, b]) == f"{b}{where} given at {a}{position}"


def test_same_names_in_different_accounts_are_fine(write: Write) -> None:
    a = write("users: [{name: admin}]\n", name="a.yaml", account="111111111111")
    b = write("users: [{name: admin}]\n", name="b.yaml", account="222222222222")
    assert len(load([a, b])) == 2


def test_permissions_from_copies_groups_and_policies_transitively(write: Write) -> None:
    file = write(
        f"""
        groups: [{{name: admins}}]
        users:
          - {{name: admin, groups: [admins], policies: [ReadOnlyAccess], mfa: enforced}}
          - {{name: deputy, permissions_from: admin, console: true}}
          - name: bot
            permissions_from: deputy
            access_keys: 1
            inline_policies: {{own: {INLINE}}}
        """
    )
    users = load_one(file).state.users
    assert users["admin"].policies == frozenset({"ReadOnlyAccess", ENFORCE_MFA_POLICY_NAME})
    for name in ("deputy", "bot"):
        assert users[name].groups == frozenset({"admins"})
        # The enforce-MFA policy follows each user's own `mfa`, never permissions_from.
        assert users[name].policies == frozenset({"ReadOnlyAccess"})
    assert users["bot"].inline_policies == {"own": canonical(READ_BUCKET)}
    assert (users["deputy"].console, users["bot"].access_keys) == (True, 1)


def test_mfa_enforced_adds_the_policy_and_its_reference(write: Write) -> None:
    file = write(
        "users:\n  - {name: admin, mfa: enforced, policies: [ReadOnlyAccess]}\n  - {name: bot}\n"
    )
    state = load_one(file).state
    assert state.policies == {
        ENFORCE_MFA_POLICY_NAME: ManagedPolicy(
            ENFORCE_MFA_POLICY_NAME,
            canonical(enforce_mfa_document()),
            path="/",
            description=ENFORCE_MFA_POLICY_DESCRIPTION,
        )
    }
    assert state.users["admin"].policies == frozenset({"ReadOnlyAccess", ENFORCE_MFA_POLICY_NAME})
    assert state.users["bot"].policies == frozenset()


def test_mfa_required_adds_no_policy(write: Write) -> None:
    assert load_one(write("users: [{name: admin, mfa: required}]\n")).state.policies == {}


def test_ten_policies_fit_the_quota(write: Write) -> None:
    refs = ", ".join(
        ["AdministratorAccess", "ReadOnlyAccess"]
        + [f"arn:aws:iam::{ACCOUNT}:policy/P{i}" for i in range(8)]
    )
    file = write(
        f"users: [{{name: admin, policies: [{refs}]}}]\ngroups: [{{name: g, policies: [{refs}]}}]\n"
    )
    state = resolve(load_one(file), CATALOG)
    assert len(state.users["admin"].policies) == 10
    assert len(state.groups["g"].policies) == 10


def test_policy_references_keep_where_they_are_written(write: Write) -> None:
    file = write(
        """
        groups:
          - name: ops
            policies: [ReadOnlyAccess]
        users:
          - name: admin
            policies:
              - AdministratorAccess
        """
    )
    uses = load_one(file).policy_refs
    assert [(u.owner_kind, u.owner, u.ref, u.field, str(u.location)) for u in uses] == [
        ("group", "ops", "ReadOnlyAccess", "groups[0].policies[0]", f"{file}:6:16"),
        ("user", "admin", "AdministratorAccess", "users[0].policies[0]", f"{file}:10:9"),
    ]


def test_resolve_turns_references_into_arns(write: Write) -> None:
    own = f"arn:aws:iam::{ACCOUNT}:policy/team/Undeclared"
    file = write(
        f"""
        policies:
          - {{name: ReadOnlyAccess, path: /team/, document: {INLINE}}}
          - {{name: Mine, document: {INLINE}}}
        groups:
          - {{name: ops, policies: [job-function/ViewOnlyAccess, "{ADMIN}"]}}
        users:
          - name: admin
            mfa: enforced
            policies: [ReadOnlyAccess, Mine, ViewOnlyAccess, "{own}"]
          - {{name: bot, permissions_from: admin}}
        """
    )
    state = resolve(load_one(file), CATALOG)
    # A declared customer policy wins over an AWS managed policy of the same name.
    team_read = f"arn:aws:iam::{ACCOUNT}:policy/team/ReadOnlyAccess"
    mine = f"arn:aws:iam::{ACCOUNT}:policy/Mine"
    enforce = f"arn:aws:iam::{ACCOUNT}:policy/{ENFORCE_MFA_POLICY_NAME}"
    assert state.groups["ops"].policies == frozenset({VIEW_ONLY, ADMIN})
    assert state.users["admin"].policies == frozenset({team_read, mine, VIEW_ONLY, own, enforce})
    assert state.users["bot"].policies == frozenset({team_read, mine, VIEW_ONLY, own})
    assert state.account.partition == "aws"


def test_resolve_in_another_partition(write: Write) -> None:
    file = write(
        f"policies: [{{name: Mine, document: {INLINE}}}]\n"
        "users: [{name: admin, policies: [Mine]}]\n"
    )
    state = resolve(load_one(file), {}, partition="aws-cn")
    assert state.users["admin"].policies == frozenset({f"arn:aws-cn:iam::{ACCOUNT}:policy/Mine"})
    assert state.account.partition == "aws-cn"


@pytest.mark.parametrize(
    "ref,expected",
    [
        (
            "AdministratorAcess",
            "unknown policy 'AdministratorAcess' (did you mean 'AdministratorAccess'?)",
        ),
        ("job-function/ViewOnlyAcess", "(did you mean 'job-function/ViewOnlyAccess'?)"),
        ("Mien", "unknown policy 'Mien' (did you mean 'Mine'?)"),
        (
            "Zzzzzzzzzz",
            "unknown policy 'Zzzzzzzzzz': not under policies: and not an AWS managed policy",
        ),
        ("arn:aws:iam::aws:policy/AdministratorAcess", f"(did you mean '{ADMIN}'?)"),
        ("arn:aws:iam::999999999999:policy/Shared", "is not in account 123456789012"),
        (f"arn:aws-cn:iam::{ACCOUNT}:policy/Mine", "is not in account 123456789012"),
    ],
)
def test_unknown_reference(write: Write, ref: str, expected: str) -> None:
    file = write(
        f"policies: [{{name: Mine, document: {INLINE}}}]\n"
        f"users:\n  - name: admin\n    policies: [ReadOnlyAccess, '{ref}']\n"
    )
    message = error([file])
    assert message.startswith(f"{file}:7:32: users[0].policies[1]: ")
    assert expected in message


def test_unknown_reference_through_permissions_from_points_at_the_original(write: Write) -> None:
    file = write(
        "users:\n  - {name: admin, policies: [Nope]}\n  - {name: bot, permissions_from: admin}\n"
    )
    assert error([file]).startswith(f"{file}:5:30: users[0].policies[0]: unknown policy 'Nope'")


@pytest.mark.parametrize(
    "paths,expected",
    [
        (["missing.yaml"], "missing.yaml: no such file"),
        (["empty-dir"], "empty-dir: no .yaml or .yml files in this directory"),
        ([], "no configuration file given"),
    ],
)
def test_bad_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paths: list[str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty-dir").mkdir()
    assert error(paths).endswith(expected)


SHAPE_ERRORS = {
    "typo in a required field": (
        "users: [{nme: admin}]\n",
        "users[0].nme: unknown field 'nme' (allowed: name,",
        "did you mean 'name'?",
    ),
    "a user that is not a mapping": (
        "users: [admin]\n",
        "users[0]: expected a mapping, got 'admin'",
        "",
    ),
    "users not a list": ("users: {name: admin}\n", "users: expected a list, got a mapping", ""),
    "empty value": ("users: [{name: }]\n", "users[0].name: expected a string, got nothing", ""),
    "number as a name": (
        "users: [{name: 42}]\n",
        "users[0].name: expected a string, got 42",
        'quote it, e.g. "42"',
    ),
    "empty name": ("users: [{name: ''}]\n", "users[0].name: user name must not be empty", ""),
    "listed twice": (
        "users: [{name: a, policies: [ReadOnlyAccess, ReadOnlyAccess]}]\n",
        "users[0].policies: 'ReadOnlyAccess' is listed twice",
        "",
    ),
    "float access keys": (
        "users: [{name: a, access_keys: 1.5}]\n",
        "users[0].access_keys: expected a whole number or a mapping, got 1.5",
        "",
    ),
    "inline policy file and more": (
        "users: [{name: a, inline_policies: {p: {document_file: x.json, Version: '2012-10-17'}}}]",
        "users[0].inline_policies.p.Version: unknown field 'Version' (allowed: document_file)",
        "",
    ),
}


@pytest.mark.parametrize("body,expected,also", SHAPE_ERRORS.values(), ids=list(SHAPE_ERRORS))
def test_schema_errors_are_one_readable_line(
    write: Write, body: str, expected: str, also: str
) -> None:
    message = error([write(body)])
    assert expected in message
    assert also in message
    assert "\n" not in message
    text = message.split(": ", 1)[1]
    assert "$defs" not in text and "schema" not in text


def _object_schemas(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((where, node))
        for key, value in node.items():
            found += _object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _object_schemas(value, f"{where}/{index}")
    return found


def test_schema_describes_every_field_and_allows_no_other() -> None:
    schema = load_schema()
    defs = schema["$defs"]
    for where, node in _object_schemas(schema):
        assert node.get("additionalProperties") is False, where
        for name, prop in node["properties"].items():
            target = defs[prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else {}
            assert prop.get("description") or target.get("description"), f"{where}/{name}"


def test_extension_fields_hold_anchors_and_are_ignored(write: Write) -> None:
    file = write(
        """
        x-defaults: &person {console: true, mfa: required}
        users:
          - {<<: *person, name: alice}
          - {<<: *person, name: bob, console: false}
        """
    )
    users = load_one(file).state.users
    assert users["alice"] == User("alice", console=True, mfa=MfaMode.REQUIRED)
    assert users["bob"] == User("bob", console=False, mfa=MfaMode.REQUIRED)


def test_version_as_a_string_is_explained(write: Write) -> None:
    file = write('version: "1"\naccount: {id: "123456789012"}\n')
    assert error([file]) == (
        f"{file}:1:10: version: expected the number 1, got '1' (write version: 1, without quotes)"
    )


@pytest.mark.parametrize(
    "ref,expected",
    [
        ("arn:aws:iam::aws:policy/X\n```\n# Heading", "invalid policy ARN"),
        ("arn:aws:iam::aws:policy/X`rm`", "invalid policy ARN"),
        ("arn:aws:iam::aws:policy/[x](https://example.com)", "invalid policy ARN"),
        ("arn:aws:iam::aws:policy/X Y", "invalid policy ARN"),
        ("arn:aws:iam::12345:policy/X", "invalid policy ARN"),
        (f"arn:aws:iam::{ACCOUNT}:role/X", "invalid policy ARN"),
        (f"arn:aws:s3:::{ACCOUNT}/policy/X", "invalid policy ARN"),
        (f"arn:aws:iam::{ACCOUNT}:policy/", "invalid policy ARN"),
        ("Admin\n# Heading", "invalid policy reference"),
        ("![x](https://example.com/x.png)", "invalid policy reference"),
        ("Read Only", "invalid policy reference"),
        ("job-function//ViewOnlyAccess", "invalid policy reference"),
    ],
)
def test_policy_references_are_checked_offline(write: Write, ref: str, expected: str) -> None:
    file = write(f"groups:\n  - name: ops\n    policies:\n      - {json.dumps(ref)}\n")
    with pytest.raises(ConfigError) as caught:
        load([file])  # no resolve: validate reads no AWS catalog
    assert str(caught.value).startswith(f"{file}:7:9: groups[0].policies[0]: {expected}")
    assert "\n" not in str(caught.value) and "```" not in str(caught.value)


@pytest.mark.parametrize(
    "ref",
    [
        "AdministratorAccess",
        "job-function/ViewOnlyAccess",
        "service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        f"arn:aws-cn:iam::{ACCOUNT}:policy/team/a/My+Policy=1,2.@_-",
        f"arn:aws-us-gov:iam::{ACCOUNT}:policy/Mine",
    ],
)
def test_well_formed_policy_references_pass_validate(write: Write, ref: str) -> None:
    file = write(f"groups:\n  - name: ops\n    policies: [{json.dumps(ref)}]\n")
    assert load_one(file).state.groups["ops"].policies == frozenset({ref})


def test_references_ignore_case_and_take_the_declared_spelling(write: Write) -> None:
    file = write(
        f"""
        policies:
          - {{name: DeployStaticSite, path: /team/, document: {INLINE}}}
        groups:
          - {{name: admins, policies: [deploystaticsite, administratoraccess]}}
        users:
          - {{name: admin, groups: [Admins], policies: [DEPLOYSTATICSITE]}}
          - {{name: deputy, permissions_from: ADMIN}}
          - {{name: bot, permissions_from: Deputy}}
        """
    )
    config = load_one(file)
    state = config.state
    assert state.groups["admins"].policies == frozenset({"DeployStaticSite", "administratoraccess"})
    for name in ("admin", "deputy", "bot"):
        assert state.users[name].groups == frozenset({"admins"})
        assert state.users[name].policies == frozenset({"DeployStaticSite"})
    assert [use.ref for use in config.policy_refs] == [
        "DeployStaticSite",
        "administratoraccess",
        "DeployStaticSite",
    ]
    resolved = resolve(config, CATALOG)
    own = f"arn:aws:iam::{ACCOUNT}:policy/team/DeployStaticSite"
    assert resolved.groups["admins"].policies == frozenset({own, ADMIN})
    assert resolved.users["bot"].policies == frozenset({own})


def test_an_arn_in_another_case_takes_the_spelling_of_the_policy(write: Write) -> None:
    file = write(
        f"""
        policies: [{{name: Mine, document: {INLINE}}}]
        users:
          - name: admin
            policies:
              - arn:aws:iam::{ACCOUNT}:policy/MINE
              - arn:aws:iam::aws:policy/readonlyaccess
        """
    )
    state = resolve(load_one(file), CATALOG)
    assert state.users["admin"].policies == frozenset(
        {f"arn:aws:iam::{ACCOUNT}:policy/Mine", READ_ONLY}
    )


@pytest.mark.parametrize(
    "body,line,expected",
    [
        (
            "groups: [{name: admins}]\nusers: [{name: a, groups: [admins, Admins]}]\n",
            5,
            "users[0].groups[1]: group 'Admins' is listed twice (as 'admins'; names ignore case)",
        ),
        (
            "users: [{name: a, policies: [ReadOnlyAccess, readonlyaccess]}]\n",
            4,
            "users[0].policies[1]: policy 'readonlyaccess' is listed twice "
            "(as 'ReadOnlyAccess'; names ignore case)",
        ),
        (
            "users:\n  - {name: a, permissions_from: B}\n  - {name: b, permissions_from: A}\n",
            5,
            "users[0].permissions_from: permissions_from cycle: a -> b -> a",
        ),
        (
            "groups: [{name: admins}]\nusers: [{name: a, groups: [Admin]}]\n",
            5,
            "users[0].groups[0]: group 'Admin' is not declared under groups: "
            "(did you mean 'admins'?)",
        ),
    ],
)
def test_case_insensitive_reference_errors(
    write: Write, body: str, line: int, expected: str
) -> None:
    file = write(body)
    message = error([file])
    assert message.startswith(f"{file}:{line}:")
    assert message.endswith(f": {expected}")


def test_every_ignore_list_is_checked_against_what_is_declared():
    ignore = load_schema()["$defs"]["ignore"]["properties"]
    assert {kind.section for kind in IGNORABLE} == set(ignore)
