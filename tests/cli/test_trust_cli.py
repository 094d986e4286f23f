"""Trust policies as a user meets them: `trusted_by` expanded into the document AWS holds and
shown in the plan; a dangerous trust failing `validate` and `plan` at its line unless the role
says why with `accept_risk`; a trust policy AWS spells its own way being no change; a deleted
principal named as such."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import desired
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.kinds.changes import spec_of
from tests.files import write_account
from tests.iamctl_runs import RunIamctl

ACCOUNT = "123456789012"
GITHUB = "token.actions.githubusercontent.com"
PROVIDER = f"""\
    oidc_providers:
      - url: https://{GITHUB}
        client_ids: [sts.amazonaws.com]
    """


def account_file(tmp_path: Path, body: str, providers: str = PROVIDER) -> str:
    """The account file with `body`, after the identity `providers` it trusts."""
    return write_account(tmp_path, textwrap.dedent(providers) + textwrap.dedent(body))


PIPELINE_ROLES = """\
    roles:
      - name: plan
        trusted_by:
          github:
            - {repository: acme/infra, pull_request: true}
            - {repository: acme/infra, branch: main}
      - name: ops
        trusted_by:
          accounts: ["210987654321"]
          require_mfa: true
          services: [ec2.amazonaws.com]
    """


def test_trusted_by_becomes_the_document_aws_holds_and_the_plan_shows_it(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path, PIPELINE_ROLES)
    planned = run_iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    lines = [line.strip() for line in planned.stdout.splitlines()]
    github = lines[lines.index(f"+ role plan [trust: federated {GITHUB} may assume role plan]")
                   + 1]
    assert github.startswith("+ statement GitHubActions (Allow): action "
                             "sts:AssumeRoleWithWebIdentity")
    assert '"repo:acme/infra:pull_request"' in github
    assert '"repo:acme/infra:ref:refs/heads/main"' in github
    assert run_iamctl("apply", path, "--yes").code == 0

    trust = server_iam.get_role(RoleName="plan")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"}
    assert statement["Condition"]["StringEquals"] == {
        f"{GITHUB}:aud": "sts.amazonaws.com",
        f"{GITHUB}:sub": ["repo:acme/infra:pull_request", "repo:acme/infra:ref:refs/heads/main"],
    }
    ops = server_iam.get_role(RoleName="ops")["Role"]["AssumeRolePolicyDocument"]
    accounts = next(s for s in ops["Statement"] if "AWS" in s["Principal"])
    assert accounts["Principal"]["AWS"] == "arn:aws:iam::210987654321:root"
    assert accounts["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert run_iamctl("plan", path, "--detailed-exitcode").code == 0


def test_a_trust_policy_in_aws_spelling_is_no_change(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    # The file names the account by its id, as one string; AWS holds its root ARN in a list,
    # with the principals in another order.
    server_iam.create_role(RoleName="ops", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {
            "AWS": ["arn:aws:iam::210987654321:root", "arn:aws:iam::111122223333:root"]}}],
    }))
    path = account_file(tmp_path, """\
        roles:
          - name: ops
            assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {AWS: ["111122223333", "210987654321"]}
                  Action: sts:assumerole
        """, providers="")
    assert run_iamctl("plan", path, "--detailed-exitcode").code == 0


ANYONE_TRUST = """assume_role_policy:
              Version: "2012-10-17"
              Statement: [{Effect: Allow, Principal: "*", Action: sts:AssumeRole}]"""
GITHUB_ANY_REPOSITORY = f"""assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {{Federated: "arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"}}
                  Action: sts:AssumeRoleWithWebIdentity
                  Condition: {{StringEquals: {{"{GITHUB}:aud": sts.amazonaws.com}}}}"""


def one_role(trust: str, more: str = "") -> str:
    """A `roles:` section of one role named open (its trust policy starts on line 9)."""
    return f"""\
        roles:
          - name: open
            {trust}
        """ + more


def fails_at_the_trust_policy(run_iamctl: RunIamctl, path: str, check: str, said: str) -> None:
    """`validate` and `plan` stop with one line at the trust policy, naming the role, what is
    wrong and the check accept_risk would have to name."""
    for command in ("validate", "plan"):
        result = run_iamctl(command, path)
        assert result.code == 1, result.stdout
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"error: {path}:9:5: roles[0].assume_role_policy: role open: ")
        assert said in line, line
        assert line.endswith(f'or set accept_risk: {{{check}: "why"}}'), line
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("check", "trust", "said"),
    [
        ("anyone", ANYONE_TRUST,
         'anyone can assume it (statement 1 trusts principal "*" without a condition)'),
        ("any-repository", GITHUB_ANY_REPOSITORY, "trusts GitHub Actions of any repository"),
    ],
    ids=["anyone", "any-repository"],
)
def test_a_dangerous_trust_fails_validate_and_plan_at_its_line_unless_the_risk_is_accepted(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path, check: str, trust: str, said: str
) -> None:
    body = one_role(trust)
    fails_at_the_trust_policy(run_iamctl, account_file(tmp_path, body), check, said)
    assert server_iam.list_roles()["Roles"] == []  # nothing was created

    acceptance = f'    accept_risk: {{{check}: "a public demo role"}}\n'
    accepted = account_file(tmp_path, body + acceptance)
    for command in ("validate", "plan"):
        result = run_iamctl(command, accepted)
        assert result.code == 0, result.stderr
        assert f"note: role open: {said}" in result.stderr + result.stdout
        assert "risk accepted: a public demo role" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "condition",
    [
        '{Bool: {"aws:SecureTransport": "true"}}',
        '{StringLike: {"aws:PrincipalArn": "*"}}',
        '{StringNotEquals: {"aws:PrincipalAccount": "210987654321"}}',
        '{StringEqualsIfExists: {"aws:PrincipalOrgID": o-abc123}}',
        '{"Null": {"aws:PrincipalOrgID": "false"}}',
    ],
    ids=["secure transport", "any principal ARN", "negated", "if exists", "null"],
)
def test_anyone_with_a_condition_that_does_not_limit_the_caller_fails_validate_and_plan(
    run_iamctl: RunIamctl, tmp_path: Path, condition: str
) -> None:
    path = account_file(tmp_path, one_role(f"""assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {{AWS: "*"}}
                  Action: sts:AssumeRole
                  Condition: {condition}"""))
    fails_at_the_trust_policy(run_iamctl, path, "anyone", 'anyone can assume it (statement 1 '
                              'trusts principal "*", and its condition does not limit who the '
                              "caller is: ")
    organization = account_file(tmp_path, one_role("""assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {AWS: "*"}
                  Action: sts:AssumeRole
                  Condition: {StringEquals: {"aws:PrincipalOrgID": o-abc123}}"""))
    assert run_iamctl("validate", organization).code == 0


def web_identity_role(federated: str, audience_key: str) -> str:
    """A role trusting `federated` with an audience condition and nothing else."""
    return one_role(f"""assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {{Federated: "{federated}"}}
                  Action: sts:AssumeRoleWithWebIdentity
                  Condition: {{StringEquals: {{"{audience_key}": my-audience}}}}""")


# The provider as in its ARN, and what a trust of its tokens without a `sub` condition lets in.
ANY_SUBJECT_ISSUERS = {
    "GitLab.com": ("gitlab.com", "trusts GitLab.com CI/CD jobs of any project"),
    "HCP Terraform": ("app.terraform.io", "trusts HCP Terraform runs of any workspace"),
    "CircleCI": ("oidc.circleci.com/org/0b5e8c6a-1f2d-4e3c-9a8b-7c6d5e4f3a2b",
                 "trusts CircleCI jobs of any project of the organization"),
    "Bitbucket Pipelines": ("api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
                            "trusts Bitbucket Pipelines steps of any repository of the workspace"),
    "Buildkite": ("agent.buildkite.com", "trusts Buildkite jobs of any pipeline"),
    "EKS": ("oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E",
            "trusts EKS service accounts of any namespace of the cluster"),
    "an unknown issuer": ("auth.example.com", "accepts tokens of auth.example.com for any subject"),
}


@pytest.mark.parametrize(
    ("provider", "said"), ANY_SUBJECT_ISSUERS.values(), ids=list(ANY_SUBJECT_ISSUERS))
def test_a_trust_of_any_subject_of_an_issuer_fails_validate_and_plan(
    run_iamctl: RunIamctl, tmp_path: Path, provider: str, said: str
) -> None:
    federated = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"
    path = account_file(tmp_path, web_identity_role(federated, f"{provider}:aud"))
    fails_at_the_trust_policy(
        run_iamctl, path, "any-subject", f"{said} (statement 1 has no {provider}:sub condition)")


def test_a_cognito_identity_pool_trust_without_amr_fails_validate_and_plan(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    cognito = "cognito-identity.amazonaws.com"
    path = account_file(tmp_path, web_identity_role(cognito, f"{cognito}:aud"))
    fails_at_the_trust_policy(
        run_iamctl, path, "any-sign-in", "accepts identities of Cognito identity pools signed in "
        f"or not (statement 1 has no {cognito}:amr condition)")


def test_a_provider_arn_in_other_capitals_fails_validate_and_plan_like_the_provider(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    federated = f"arn:aws:iam::{ACCOUNT}:oidc-provider/Token.Actions.GitHubUserContent.com"
    path = account_file(tmp_path, web_identity_role(federated, f"{GITHUB}:aud"))
    fails_at_the_trust_policy(run_iamctl, path, "any-repository",
                              f"trusts GitHub Actions of any repository (statement 1 has no "
                              f"{GITHUB}:sub condition)")


def test_prune_keeps_a_provider_a_role_trusts_by_its_arn_in_other_capitals(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    server_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    federated = f"arn:aws:iam::{ACCOUNT}:oidc-provider/Token.Actions.GitHubUserContent.com"
    path = account_file(tmp_path, f"""\
        roles:
          - name: deploy
            assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {{Federated: "{federated}"}}
                  Action: sts:AssumeRoleWithWebIdentity
                  Condition:
                    StringEquals:
                      "{GITHUB}:aud": sts.amazonaws.com
                      "{GITHUB}:sub": "repo:acme/infra:ref:refs/heads/main"
        prune: true
        """, providers="")
    planned = run_iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    assert f"- OIDC provider {GITHUB}" not in planned.stdout
    assert (f"OIDC provider {GITHUB} is not deleted: role deploy trusts it"
            in planned.stdout + planned.stderr)


def test_an_accepted_risk_does_not_waive_a_new_finding_of_another_kind(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    # The role was accepted as open to anyone; a GitHub statement without a sub condition
    # added later is another danger, and fails again.
    path = account_file(tmp_path, one_role(
        f"""assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - {{Effect: Allow, Principal: "*", Action: sts:AssumeRole}}
                - Effect: Allow
                  Principal: {{Federated: "arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"}}
                  Action: sts:AssumeRoleWithWebIdentity
                  Condition: {{StringEquals: {{"{GITHUB}:aud": sts.amazonaws.com}}}}""",
        '    accept_risk: {anyone: "a public demo role"}\n'))
    fails_at_the_trust_policy(run_iamctl, path, "any-repository",
                              "trusts GitHub Actions of any repository (statement 2 has no")


def test_the_old_accept_risk_string_is_refused_with_the_new_form(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = account_file(tmp_path, one_role(ANYONE_TRUST, '    accept_risk: "a public demo"\n'))
    for command in ("validate", "plan"):
        result = run_iamctl(command, path)
        assert result.code == 1
        assert result.stderr.splitlines() == [
            f"error: {path}:12:18: roles[0].accept_risk: name the finding it accepts, as in "
            'accept_risk: {anyone: "why"} (findings: anyone, any-repository, any-subject, '
            "any-audience, any-sign-in)"]


def test_an_acceptance_the_trust_gives_no_reason_for_is_an_error(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    # Kept after the trust was fixed, it would silently accept the next danger of its kind.
    path = account_file(tmp_path, one_role(
        """assume_role_policy:
              Version: "2012-10-17"
              Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com},
                           Action: sts:AssumeRole}]""",
        '    accept_risk: {anyone: "a public demo"}\n'), providers="")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"error: {path}:10:27: roles[0].accept_risk.anyone: role open: its trust policy has no "
        "anyone finding to accept: remove this entry"]


def test_accept_risk_names_a_known_kind(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    path = account_file(tmp_path, one_role(ANYONE_TRUST, '    accept_risk: {any: "demo"}\n'))
    result = run_iamctl("validate", path)
    assert result.code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:12:19: roles[0].accept_risk.any: unknown field 'any' "
                           "(allowed: anyone, any-repository, any-subject, any-audience, "
                           "any-sign-in")


def test_github_without_its_provider_in_the_file_is_an_error_at_the_entry(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = account_file(tmp_path, PIPELINE_ROLES, providers="")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert result.stderr.startswith(f"error: {path}:7:7: roles[0].trusted_by.github: ")
    assert "roles[0].trusted_by.github" in result.stderr


def test_a_trust_policy_iam_would_refuse_is_an_error_where_it_is_written(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = account_file(tmp_path, """\
        roles:
          - name: ops
            assume_role_policy:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal: {Service: ec2.amazonaws.com}
                  Action: s3:GetObject
        """, providers="")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert "roles[0].assume_role_policy.Statement[0].Action" in result.stderr


def test_trusted_by_follows_the_partition_of_the_account(tmp_path: Path) -> None:
    (config,) = desired.load([account_file(tmp_path, PIPELINE_ROLES)])
    china = desired.resolve(config, {}, partition="aws-cn").roles["ops"]
    assert china.trust is not None
    assert "arn:aws-cn:iam::210987654321:root" in china.trust.text
    assert "arn:aws:" not in china.trust.text
    assert china.trust != desired.resolve(config, {}).roles["ops"].trust


def test_a_principal_deleted_since_the_policy_named_it_is_said_so() -> None:
    before = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "AROA4EXAMPLEEXAMPLE12"},
        "Action": "sts:AssumeRole"}]})
    after = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/ci"},
        "Action": "sts:AssumeRole"}]})
    change = Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "deploy", before=before, after=after)
    subject, detail = spec_of(ChangeKind.ROLE_TRUST).describe(change)
    deleted = "AROA4EXAMPLEEXAMPLE12"
    assert subject == f"role deploy: trust policy (trusts a deleted principal: {deleted})"
    assert detail  # and the statement change itself, to the principal the file names
