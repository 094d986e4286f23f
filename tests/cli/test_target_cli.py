"""`--target KIND:NAME` on plan and apply: the plan limited to those entities and what they need,
marked partial in every output, through the real `iamctl` against a moto server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.files import write_account

BODY = """\
policies:
  - name: deploy
    document: DOCUMENT
  - name: audit
    document: DOCUMENT
groups:
  - name: devs
    policies: [audit]
users:
  - name: alice
    groups: [devs]
    policies: [deploy]
  - name: bob
""".replace(
    "DOCUMENT",
    '{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "*"}]}',
)


@pytest.fixture
def account(tmp_path: Path) -> str:
    return write_account(tmp_path, BODY)


def plan_lines(stdout: str) -> list[str]:
    """The plan's lines, without the access impact marks (`[broadens]`)."""
    return [line.strip().split(" [")[0] for line in stdout.splitlines() if line.startswith("  ")]


def test_target_limits_the_plan_to_the_user_and_what_it_needs(run_iamctl, account):
    result = run_iamctl("plan", account, "--target", "user:alice")
    assert result.code == 0, result.stderr
    assert plan_lines(result.stdout) == [
        "+ policy deploy",
        "+ group devs",
        "+ user alice",
        "+ user alice: add to group devs",
        "+ user alice: attach deploy",
    ]
    assert ("Partial plan (--target user:alice): only these entities and what they need; "
            "the rest of the account was not compared.") in result.stdout


def test_a_partial_plan_is_marked_in_json_and_markdown(run_iamctl, account):
    document = json.loads(run_iamctl("plan", account, "--json", "--target", "group:devs").stdout)
    assert document["partial"] is True and document["targets"] == ["group:devs"]
    assert [(c["kind"], c["name"]) for c in document["changes"]] == [
        ("policy", "audit"), ("group", "devs"), ("group_policy", "devs")]
    assert document["summary"]["add"] == 3
    whole = json.loads(run_iamctl("plan", account, "--json").stdout)
    assert whole["partial"] is False and whole["targets"] == []
    markdown = run_iamctl("plan", account, "--markdown", "--target", "group:devs").stdout
    assert "Partial plan (--target group:devs)" in markdown


def test_a_partial_plan_with_no_changes_never_says_the_account_matches(
    run_iamctl, server_iam, account
):
    server_iam.create_user(UserName="bob")
    result = run_iamctl("plan", account, "--target", "user:bob")
    assert result.code == 0, result.stderr
    assert "The account matches the configuration" not in result.stdout
    assert "No changes for the targets (--target user:bob)" in result.stdout
    assert "the rest of the account was not compared" in result.stdout


def test_detailed_exitcode_is_refused_with_a_target(run_iamctl, account):
    result = run_iamctl("plan", account, "--target", "user:bob", "--detailed-exitcode")
    assert result.code == 1
    assert result.stderr == (
        "error: --detailed-exitcode answers for the whole account: it cannot be used with "
        "--target\n")


def test_an_unknown_kind_is_one_line_with_suggestions(run_iamctl, account):
    result = run_iamctl("plan", account, "--target", "usr:alice")
    assert result.code == 1
    # The built-in kinds, then those declared in modules of their own (a new one adds itself).
    assert result.stderr.startswith(
        "error: --target usr:alice: no kind 'usr' (did you mean 'user'?); kinds: user, group, "
        "policy, role, oidc-provider, saml-provider, ")
    assert "permission-set" in result.stderr and result.stderr.count("\n") == 1
    malformed = run_iamctl("plan", account, "--target", "alice")
    assert malformed.code == 1
    assert malformed.stderr.startswith("error: --target alice: expected KIND:NAME")


def test_an_unknown_name_is_one_line_with_suggestions(run_iamctl, account):
    result = run_iamctl("plan", account, "--target", "user:alcie")
    assert result.code == 1
    assert result.stderr == (
        "error: --target user:alcie: no user 'alcie' in the files (did you mean 'alice'?)\n")
    assert result.stdout == ""


def test_apply_with_a_target_changes_only_that_and_what_it_needs(run_iamctl, server_iam, account):
    result = run_iamctl("apply", account, "--yes", "--target", "user:alice")
    assert result.code == 0, result.stderr
    assert [u["UserName"] for u in server_iam.list_users()["Users"]] == ["alice"]
    devs = server_iam.list_attached_group_policies(GroupName="devs")["AttachedPolicies"]
    assert devs == []  # the group's own policies were not targeted
    rest = run_iamctl("plan", account)
    assert "+ user bob" in rest.stdout and "+ group devs: attach audit" in rest.stdout
    assert "Partial plan" not in rest.stdout


def test_a_saved_partial_plan_applies_as_saved_and_shows_partial(
    run_iamctl, server_iam, account, tmp_path
):
    saved = str(tmp_path / "plan.json")
    assert run_iamctl("plan", account, "--target", "user:bob", "--out", saved).code == 0
    shown = run_iamctl("show", saved)
    assert "Partial plan (--target user:bob)" in shown.stdout
    whole = run_iamctl("apply", account, "--plan", saved)
    assert whole.code == 1
    assert (f"{saved}: the plan was made for --target user:bob, not the whole account; run plan "
            f"again (or apply the plan alone: apply {saved})") in whole.stderr
    other = run_iamctl("apply", account, "--plan", saved, "--target", "user:alice")
    assert other.code == 1 and "not --target user:alice" in other.stderr
    edited = json.loads(Path(saved).read_text())
    edited["targets"] = ["usr:bob"]
    Path(tmp_path / "edited.json").write_text(json.dumps(edited))
    refused = run_iamctl("apply", str(tmp_path / "edited.json"))
    assert refused.code == 1
    assert refused.stderr.startswith(f"error: {tmp_path / 'edited.json'}: not a saved iamctl plan")
    assert server_iam.list_users()["Users"] == []
    applied = run_iamctl("apply", saved)
    assert applied.code == 0, applied.stderr
    assert [u["UserName"] for u in server_iam.list_users()["Users"]] == ["bob"]


def test_a_targeted_new_credential_brings_the_alias_it_is_delivered_with(
    run_iamctl, server_iam, tmp_path
):
    path = write_account(tmp_path, "users:\n  - name: carol\n    access_keys: 1\n  - name: dan\n",
                         settings="alias: acme-sandbox\n")
    result = run_iamctl("plan", path, "--target", "user:carol")
    assert result.code == 0, result.stderr
    assert plan_lines(result.stdout)[0] == "~ account alias: (none) -> acme-sandbox"
    assert "+ user dan" not in result.stdout


def test_a_role_brings_the_provider_its_trust_names(run_iamctl, tmp_path):
    body = """\
        oidc_providers:
          - url: https://token.actions.githubusercontent.com
            client_ids: [sts.amazonaws.com]
        roles:
          - name: ci
            trusted_by:
              github: [{repository: acme/infra, branch: main}]
          - name: other
            trusted_by:
              services: [ec2.amazonaws.com]
        """
    path = write_account(tmp_path, body)
    result = run_iamctl("plan", path, "--target", "role:ci")
    assert result.code == 0, result.stderr
    lines = plan_lines(result.stdout)
    assert lines[0].startswith("+ OIDC provider token.actions.githubusercontent.com"), lines
    assert any(line.startswith("+ role ci") for line in lines)
    assert not any("role other" in line for line in lines)
