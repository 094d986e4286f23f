"""examples/github-actions/bootstrap.yaml: the roles that run iamctl from GitHub Actions, as code.

The apply role's policy lists exactly the IAM actions iamctl calls: every call that plan and apply
make (recorded while they carry out every kind of change, then prune each kind) is allowed by it,
every action it lists is one iamctl calls, and every call plan makes is allowed by the plan
role's IAMReadOnlyAccess. The file itself validates, applies to an empty account and converges.
"""

from __future__ import annotations

import inspect
import json
import re
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import yaml
from botocore import xform_name
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from moto import mock_aws
from moto.iam.aws_managed_policies import aws_managed_policies_data

from reconciler.aws.client import Aws
from reconciler.aws.readers import READERS
from reconciler.aws.writers import WRITERS
from reconciler.aws.writers.attributes import OWNERS
from reconciler.config.desired import load
from reconciler.core.access.grants import grants_of
from reconciler.core.kinds.declared import DECLARED
from reconciler.core.policy.meaning import meaning
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.files import REPO_ROOT
from tests.provider_factories import THUMB_A, THUMB_B, saml_metadata

PACKAGE = REPO_ROOT / "reconciler"
BOOTSTRAP = REPO_ROOT / "examples" / "github-actions" / "bootstrap.yaml"
ACCOUNT = "123456789012"

# Calls iamctl makes that the emulator cannot carry out, so the recorded run never sees them:
# moto lacks the user boundary calls, the client id calls and SAML provider tags (it drops
# CreateSAMLProvider's tags) and a user's service-specific credentials (listed only when
# DeleteUser answers DeleteConflict), and its UpdateGroup moves no group. The boundary, client
# id and SAML tag calls are tested with botocore's Stubber (tests/test_role_writers.py,
# tests/test_providers_aws.py); here each must at least be named in the package.
NOT_EMULATED = frozenset({
    "PutUserPermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    "AddClientIDToOpenIDConnectProvider",
    "RemoveClientIDFromOpenIDConnectProvider",
    "TagSAMLProvider",
    "UntagSAMLProvider",
    "ListServiceSpecificCredentials",
    "DeleteServiceSpecificCredential",
    "UpdateGroup",  # moto ignores NewPath unless the group is renamed too
})

# Calls iamctl makes only on a path the recorded run does not take: an answer lost (a create
# retried finds the entity), a conflict while deleting, a key rotation's deactivation after
# days, the customer policies listed when the file names a policy by ARN.
EDGE_PATHS = frozenset({
    "GetPolicy", "GetPolicyVersion", "GetRole", "GetUser", "GetGroup", "GetInstanceProfile",
    "UpdateAccessKey", "ListPolicies",
})

# Actions IAM authorizes besides the one a call is named after. A role added to an instance
# profile is passed to EC2 (iam:PassRole is a dependent action of AddRoleToInstanceProfile);
# a create call given Tags needs the tag action too (tagging on creation).
DEPENDENT_ACTIONS = {"AddRoleToInstanceProfile": "PassRole"}
TAGGED_ON_CREATE = {
    "CreateUser": "TagUser",
    "CreateRole": "TagRole",
    "CreatePolicy": "TagPolicy",
    "CreateOpenIDConnectProvider": "TagOpenIDConnectProvider",
    "CreateSAMLProvider": "TagSAMLProvider",
    "CreateInstanceProfile": "TagInstanceProfile",
}

DOC = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
DOC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}


def the_bootstrap() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(BOOTSTRAP.read_text(encoding="utf-8"))
    return document


def role(name: str) -> dict[str, Any]:
    return next(r for r in the_bootstrap()["roles"] if r["name"] == name)


def apply_policy_statements() -> list[dict[str, Any]]:
    (policy,) = [p for p in the_bootstrap()["policies"] if p["name"] == "iamctl-apply"]
    statements: list[dict[str, Any]] = policy["document"]["Statement"]
    return statements


def read_only_statements() -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(aws_managed_policies_data)[
        "IAMReadOnlyAccess"]["Document"]["Statement"]
    return statements


def allowed(statements: list[dict[str, Any]], action: str) -> bool:
    grants = grants_of(meaning({"Statement": statements}), "apply role")
    return any(g.effect == "Allow" and g.names(action.lower()) for g in grants)


def iam_operations() -> dict[str, str]:
    """IAM's operations by their boto3 method name (`create_user` -> `CreateUser`)."""
    model = botocore.session.get_session().get_service_model("iam")
    return {xform_name(name): name for name in model.operation_names}


def package_sources(mfa_enroll: bool = True) -> list[str]:
    """The package's modules that may call IAM: not one that calls only Identity Center or
    Organizations (the identity store has its own `list_users` and `create_group`)."""
    sources = [path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))
               if mfa_enroll or path != PACKAGE / "aws" / "mfa.py"]
    others = ('"identitystore"', '"sso-admin"', '"organizations"')
    return [source for source in sources
            if not any(service in source for service in others) or "iam(" in source]


def called_by_name(mfa_enroll: bool = True) -> set[str]:
    """The IAM operations the package names as a method (`"create_user"`)."""
    operations = iam_operations()
    return {operations[name] for source in package_sources(mfa_enroll)
            for name in re.findall(r'"([a-z_]+)"', source) if name in operations}


def named_in_package(operation: str) -> bool:
    """Named as a method, or made from one of the writers' templates (`f"tag_{api}"`)."""
    if operation in called_by_name():
        return True
    method = xform_name(operation)
    templates = {template for source in package_sources()
                 for template in re.findall(r'f"([a-z_]*\{[a-z_.]+\}[a-z_]*)"', source)}
    owners = {api for api, _ in OWNERS.values()}
    return any(re.sub(r"\{[a-z_.]+\}", owner, template) == method
               for template in templates for owner in owners)


def listed_actions() -> set[str]:
    actions: set[str] = set()
    for statement in apply_policy_statements():
        listed = statement["Action"]
        actions |= set([listed] if isinstance(listed, str) else listed)
    return actions


# The recorded run: every kind of change, then a prune of each kind.


class Recorder:
    """The IAM calls made through an Aws object, with their parameters, while `phase` is set."""

    def __init__(self, aws: Aws) -> None:
        self.phase = ""
        self.calls: dict[str, list[tuple[str, dict[str, Any]]]] = {"plan": [], "apply": []}
        aws._iam.meta.events.register("before-parameter-build.iam", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[self.phase].append((model.name, dict(params)))

    def operations(self, phase: str) -> set[str]:
        return {name for name, _ in self.calls[phase]}

    def required_actions(self) -> set[str]:
        """The IAM actions AWS checks for the calls of both phases (dependent ones included)."""
        actions: set[str] = set()
        for name, params in self.calls["plan"] + self.calls["apply"]:
            actions.add(f"iam:{name}")
            if name in DEPENDENT_ACTIONS:
                actions.add(f"iam:{DEPENDENT_ACTIONS[name]}")
            if name in TAGGED_ON_CREATE and params.get("Tags"):
                actions.add(f"iam:{TAGGED_ON_CREATE[name]}")
        return actions


STAGES = {
    "create": """\
        account:
          id: "123456789012"
          alias: acme-one
          password_policy: {minimum_length: 14, require_symbols: true}
        policies:
          - {name: Boundary, document: DOC}
          - {name: Reader, description: reads, document: DOC, tags: {team: a, old: gone}}
          - {name: Moving, description: before, document: DOC}
        groups:
          - {name: devs, policies: [Reader, Moving], inline_policies: {extra: DOC}}
        users:
          - name: alice
            console: true
            access_keys: 1
            groups: [devs]
            policies: [Reader]
            inline_policies: {own: DOC}
            tags: {team: a, old: gone}
          - {name: bob, access_keys: 2, tags: {team: b}}
        roles:
          - name: web
            path: /app/
            description: web servers
            assume_role_policy: EC2_TRUST
            max_session_duration: 3600
            permissions_boundary: Boundary
            policies: [Reader]
            inline_policies: {read: DOC}
            instance_profile: true
            tags: {team: a, old: gone}
          - name: ci
            trusted_by:
              github: [{repository: acme/infra, branch: main}]
              saml: okta
        oidc_providers:
          - url: https://token.actions.githubusercontent.com
            client_ids: [sts.amazonaws.com]
            thumbprints: [THUMB_A]
            tags: {team: a, old: gone}
        saml_providers:
          - {name: okta, metadata_file: okta.xml}
        """,
    "change": """\
        account:
          id: "123456789012"
          alias: acme-two
          password_policy: {minimum_length: 16, require_symbols: true}
        policies:
          - {name: Boundary, document: DOC}
          - {name: Reader, description: reads, document: DOC2, tags: {team: b, env: x}}
          - {name: Moving, description: after, document: DOC}
        groups:
          - {name: devs, policies: [Moving]}
        users:
          - name: alice
            path: /people/
            console: false
            access_keys: 0
            tags: {team: b, env: x}
          - {name: bob, console: true, access_keys: 1, groups: [devs], tags: {team: b}}
        roles:
          - name: web
            path: /app/
            description: web servers, now
            assume_role_policy: LAMBDA_TRUST
            max_session_duration: 7200
            instance_profile: false
            tags: {team: b, env: x}
          - name: ci
            permissions_boundary: Boundary
            trusted_by:
              github: [{repository: acme/infra, environment: production}]
        oidc_providers:
          - url: https://token.actions.githubusercontent.com
            client_ids: [sts.amazonaws.com]
            thumbprints: [THUMB_B]
            tags: {team: b, env: x}
        saml_providers:
          - {name: okta, metadata_file: okta.xml}
        """,
    "prune": """\
        account:
          id: "123456789012"
        prune: true
        """,
}


def stage_file(directory: Path, stage: str) -> str:
    body = textwrap.dedent(STAGES[stage])
    for name, value in (("DOC2", DOC2), ("DOC", DOC), ("EC2_TRUST", EC2_TRUST),
                        ("LAMBDA_TRUST", LAMBDA_TRUST)):
        body = body.replace(name, json.dumps(value))
    body = body.replace("THUMB_A", THUMB_A).replace("THUMB_B", THUMB_B)
    directory.mkdir(parents=True, exist_ok=True)
    certificate = "A" if stage == "create" else "B"
    (directory / "okta.xml").write_text(saml_metadata(certificate=certificate))
    path = directory / f"{stage}.yaml"
    path.write_text("version: 1\n" + body)
    return str(path)


def plan_and_apply(aws: Aws, recorder: Recorder, path: str, secrets: Path) -> None:
    recorder.phase = "plan"
    (config,) = load([path])
    planned = plan_account(config, aws)
    assert planned.plan.changes, path
    recorder.phase = "apply"
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)
    recorder.phase = "plan"
    assert plan_account(config, aws).plan.changes == (), path  # one apply converges


def out_of_band(iam: Any) -> None:
    """What a user may hold that only deleting it removes: an MFA device, an SSH key, a signing
    certificate; and a policy at its five versions, so a new one must delete the oldest."""
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"][
        "SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    ssh_key, certificate = user_key_material()
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=ssh_key)
    iam.upload_signing_certificate(UserName="bob", CertificateBody=certificate)
    arn = f"arn:aws:iam::{ACCOUNT}:policy/Reader"
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC))


def user_key_material() -> tuple[str, str]:
    """An SSH public key and a self-signed X.509 certificate, as a user would upload them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ssh_key = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bob")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return ssh_key, certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    """Plan and apply the three stages once for the module's tests, against in-process moto."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("moto.iam.models.PARTITION_NAMES", ["aws"], raising=False)
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"),
                            ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_DEFAULT_REGION", "us-east-1")):
            patch.setenv(name, value)
        with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
            iam = boto3.client("iam", region_name="us-east-1")
            aws = Aws(boto3.Session(region_name="us-east-1"))
            recorder = Recorder(aws)
            directory = tmp_path_factory.mktemp("account")
            secrets = tmp_path_factory.mktemp("secrets")
            plan_and_apply(aws, recorder, stage_file(directory, "create"), secrets)
            out_of_band(iam)
            plan_and_apply(aws, recorder, stage_file(directory, "change"), secrets)
            prune = stage_file(directory, "prune")
            plan_and_apply(aws, recorder, prune, secrets)
            yield recorder


def test_every_call_of_plan_and_apply_is_allowed_to_the_apply_role(recorded):
    statements = apply_policy_statements()
    required = recorded.required_actions()
    assert {"iam:PassRole", "iam:TagRole", "iam:DeletePolicyVersion"} <= required
    refused = sorted(a for a in required if not allowed(statements, a))
    assert refused == []


def test_every_call_of_plan_is_allowed_to_the_read_only_plan_role(recorded):
    assert role("iamctl-plan")["policies"] == ["IAMReadOnlyAccess"]
    statements = read_only_statements()
    plan_calls = {f"iam:{name}" for name in recorded.operations("plan")}
    assert "iam:GetAccountAuthorizationDetails" in plan_calls  # the recording saw the plan
    assert sorted(a for a in plan_calls if not allowed(statements, a)) == []
    # A pull request can change the files: the plan role must not be able to write anything.
    writes = {f"iam:{name}" for name in recorded.operations("apply")
              if not name.startswith(("Get", "List"))}
    assert "iam:CreateUser" in writes
    assert sorted(a for a in writes if allowed(statements, a)) == []


def declared_kinds_calls() -> set[str]:
    """The IAM actions the reader and writers of the kinds declared in modules of their own
    name: each kind's own test records its plan and apply and checks the role allows them
    (`apply_role_allows`), so the recorded run here need not grow with each kind."""
    operations = iam_operations()
    kinds = {spec.kind for kind in DECLARED for spec in kind.changes}
    functions = [READERS[kind.entity.section] for kind in DECLARED] + \
        [writer for (kind, _), writer in WRITERS.items() if kind in kinds]
    sources = {Path(inspect.getsourcefile(getattr(function, "func", function)) or "")
               for function in functions}  # a writer made for one kind (partial) too
    return {f"iam:{operations[name]}" for source in sources
            for name in re.findall(r'"([a-z_]+)"', source.read_text(encoding="utf-8"))
            if name in operations}


def apply_role_allows(operations: set[str]) -> list[str]:
    """The operations the apply role does not allow (for a declared kind's own test)."""
    return sorted(name for name in operations
                  if not allowed(apply_policy_statements(), f"iam:{name}"))


def test_the_apply_role_is_allowed_only_calls_iamctl_makes(recorded):
    listed = listed_actions()
    assert all(re.fullmatch(r"iam:[A-Za-z]+", action) for action in listed), listed  # no *
    called = recorded.required_actions() | {f"iam:{name}" for name in NOT_EMULATED | EDGE_PATHS}
    called |= declared_kinds_calls()
    assert sorted(listed - called) == []
    for name in NOT_EMULATED | EDGE_PATHS:
        assert named_in_package(name), name


def test_every_iam_call_named_in_the_code_of_plan_and_apply_is_listed():
    """The static side: an IAM call added to the package (outside `mfa enroll`) must be added
    to the apply role too."""
    named = {f"iam:{name}" for name in called_by_name(mfa_enroll=False)}
    assert len(named) > 50
    assert sorted(named - listed_actions()) == []


# The file as an administrator uses it.


def test_the_bootstrap_validates_without_trust_findings(run_iamctl):
    result = run_iamctl("validate", str(BOOTSTRAP))
    assert result.code == 0, result.stderr
    assert "1 policy, 2 roles" in result.stdout
    # Both GitHub trusts name the repository (a sub condition): no finding, no accepted risk.
    assert "error:" not in result.stderr and "note:" not in result.stderr
    assert all("accept_risk" not in r for r in the_bootstrap()["roles"])


def test_the_trusts_are_the_workflows_and_only_them():
    plan_trust = role("iamctl-plan")["trusted_by"]
    assert plan_trust == {"github": [{"repository": "acme/infra", "pull_request": True},
                                     {"repository": "acme/infra", "branch": "main"}]}
    assert role("iamctl-apply")["trusted_by"] == {
        "github": [{"repository": "acme/infra", "environment": "production"}]}
    assert role("iamctl-apply")["policies"] == ["iamctl-apply"]
    (provider,) = the_bootstrap()["oidc_providers"]
    assert provider == {"url": "https://token.actions.githubusercontent.com",
                        "client_ids": ["sts.amazonaws.com"]}


def test_the_bootstrap_applies_to_an_empty_account_and_then_plans_in_sync(
    run_iamctl, server_iam
):
    applied = run_iamctl("apply", str(BOOTSTRAP), "--yes")
    assert applied.code == 0, applied.stdout + applied.stderr
    for name in ("iamctl-plan", "iamctl-apply"):
        arn = server_iam.get_role(RoleName=name)["Role"]["Arn"]
        assert arn == f"arn:aws:iam::{ACCOUNT}:role/iamctl/{name}"
    trust = server_iam.get_role(RoleName="iamctl-apply")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"] == "repo:acme/infra:environment:production"
    attached = server_iam.list_attached_role_policies(RoleName="iamctl-apply")["AttachedPolicies"]
    policy = f"arn:aws:iam::{ACCOUNT}:policy/iamctl/iamctl-apply"
    assert [p["PolicyArn"] for p in attached] == [policy]

    planned = run_iamctl("plan", str(BOOTSTRAP), "--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    again = run_iamctl("apply", str(BOOTSTRAP), "--yes")
    assert again.code == 0 and "No changes." in again.stdout, again.stdout
