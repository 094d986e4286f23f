"""Service control and resource control policies (`organization.service_control_policies`,
`.resource_control_policies`): the kind tested in one place. The file's checks through
`iamctl validate`; the diff, its refusals and its plan lines on plain data; plan and apply
through the CLI against moto in process (an organisation made with boto3); the reads' calls.

moto enforces none of AWS's limits here (size, grammar, per-target count, the last SCP, the
type enabled): what AWS would refuse is checked in iamctl, and these tests never take moto's
acceptance as proof. Where AWS behaves in a way moto cannot show (a type PENDING_ENABLE, the
last SCP's detach refused, an attach to a type not enabled), `AwsRules` answers as AWS would
at the AWS boundary (before-call and after-call hooks on moto's state), and the test says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers
import pytest

from reconciler.core.changes import Action, Change, Impact
from reconciler.core.kinds.changes import access_of, phase_of, spec_of
from reconciler.core.kinds.declared import _org_policy_diff
from reconciler.core.kinds.declared._org_policy_diff import PlanRefused
from reconciler.core.kinds.declared._org_policy_model import (
    RCP,
    SCP,
    OrgPolicy,
    PolicyContext,
)
from reconciler.core.kinds.declared.resource_control_policies import CHANGES as RCP_KINDS
from reconciler.core.kinds.declared.service_control_policies import CHANGES as SCP_KINDS
from reconciler.core.organization import OrgAccount, Organization, OrgUnit
from reconciler.core.policy.documents import canonical
from reconciler.core.render.text import change_lines
from reconciler.core.state import Document
from tests.factories import ACCOUNT_ID
from tests.files import write_account
from tests.iamctl_runs import CliResult, run_in_process

# file:line:column: field: message, after the "error: " every error line starts with.
ERROR_LINE = re.compile(r"^error: (?P<file>[^:]+):(?P<line>\d+):\d+: (?P<field>[^:]+): "
                        r"(?P<message>.+)$")

SCPS = "organization:\n  service_control_policies:\n"
RCPS = "organization:\n  resource_control_policies:\n"


def validate(directory: Path, body: str, beside: dict[str, str] | None = None) -> CliResult:
    """`iamctl validate` on an account file of `body`: offline, so no emulator is reached."""
    path = write_account(directory, body, beside=beside)
    return run_in_process(("validate", path), "", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
                          None)


def the_error(result: CliResult) -> dict[str, str]:
    """The one error line of a failed validate: its line, field and message."""
    assert result.code == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    found = ERROR_LINE.match(errors[0])
    assert found, errors[0]
    return {"line": found["line"], "field": found["field"], "message": found["message"]}


def policy_entry(name: str, statements: str, targets: str = "[root]") -> str:
    """One policy of a section: its document's statements as YAML lines (6 spaces in)."""
    return (f"    - name: {name}\n      document:\n        Version: \"2012-10-17\"\n"
            f"        Statement:\n{statements}      targets: {targets}\n")


DENY_LEAVE = ('          - {Effect: Deny, Action: "organizations:LeaveOrganization", '
              'Resource: "*"}\n')
RCP_S3 = ('          - {Effect: Deny, Principal: "*", Action: "s3:*", Resource: "*",\n'
          '             Condition: {BoolIfExists: {"aws:SecureTransport": "false"}}}\n')


def minified(document: dict[str, Any]) -> str:
    """The JSON apply sends: no whitespace, keys in the file's order."""
    return json.dumps(document, separators=(",", ":"))


# The file, offline: `iamctl validate`.


def sized(size: int, statement: dict[str, Any] | None = None) -> dict[str, Any]:
    """A document whose minified JSON (what apply sends) is exactly `size` characters: its
    Resource padded with a bucket name."""
    padded = dict(statement or {
        "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/"})
    short = len(minified({"Version": "2012-10-17", "Statement": [padded]}))
    padded["Resource"] += "x" * (size - short)
    document = {"Version": "2012-10-17", "Statement": [padded]}
    assert len(minified(document)) == size
    return document


def test_a_document_of_5120_characters_minified_passes_and_5121_fails_at_its_line(tmp_path):
    """Counted on the minified JSON apply sends, not on the file: a document file indented
    well past the quota passes when its minified form is 5,120 characters."""
    for size, code in ((5120, 0), (5121, 1)):
        pretty = json.dumps(sized(size), indent=8)
        assert len(pretty) > 5200
        result = validate(tmp_path / str(size), SCPS + "    - name: Big\n"
                          "      document_file: big.json\n      targets: [root]\n",
                          beside={"big.json": pretty})
        assert result.code == code, result.stderr
    assert the_error(result) == {
        "line": "7", "field": "organization.service_control_policies[0].document_file",
        "message": "big.json: 5,121 characters as sent (minified): AWS allows 5,120 in a "
                   "service control policy"}
    inline = validate(tmp_path / "rcp", RCPS + "    - name: Big\n      document: "
                      + json.dumps(sized(5121, {"Effect": "Deny", "Principal": "*",
                                                "Action": "s3:PutObject",
                                                "Resource": "arn:aws:s3:::b/"}))
                      + "\n      targets: [root]\n")
    assert the_error(inline) == {
        "line": "7", "field": "organization.resource_control_policies[0].document",
        "message": "5,121 characters as sent (minified): AWS allows 5,120 in a resource "
                   "control policy"}


SCP_FIELD = "organization.service_control_policies[0].document.Statement"
RCP_FIELD = "organization.resource_control_policies[0].document.Statement"


@pytest.mark.parametrize(("body", "line", "field", "message"), [
    (SCPS + policy_entry("NoRoot", '          - Effect: Deny\n            Principal: "*"\n'
                                   '            Action: "*"\n            Resource: "*"\n'),
     "11", f"{SCP_FIELD}[0].Principal", "a service control policy has no Principal: it "
                                       "applies to every principal of the accounts it reaches"),
    (SCPS + policy_entry("NoRoot", '          - Effect: Deny\n'
                                   '            NotPrincipal: {AWS: "*"}\n'
                                   '            Action: "*"\n            Resource: "*"\n'),
     "11", f"{SCP_FIELD}[0].NotPrincipal", "a service control policy has no NotPrincipal"),
    (RCPS + policy_entry("Open", '          - {Effect: Allow, Principal: "*", Action: "s3:*", '
                                 'Resource: "*"}\n'),
     "10", f"{RCP_FIELD}[0].Effect", "a resource control policy denies only"),
    (RCPS + policy_entry("Named", '          - Effect: Deny\n            Principal: {AWS: "*"}\n'
                                  '            Action: "s3:*"\n            Resource: "*"\n'),
     "11", f"{RCP_FIELD}[0].Principal", 'a resource control policy names "Principal": "*" in '
                                        'every statement'),
    (RCPS + policy_entry("Nameless", '          - {Effect: Deny, Action: "s3:*", '
                                     'Resource: "*"}\n'),
     "10", f"{RCP_FIELD}[0].Principal", 'a resource control policy names "Principal": "*"'),
    (RCPS + policy_entry("AllBut", '          - Effect: Deny\n            Principal: "*"\n'
                                   '            NotAction: "s3:GetObject"\n'
                                   '            Resource: "*"\n'),
     "12", f"{RCP_FIELD}[0].NotAction", "a resource control policy has no NotAction"),
    (RCPS + policy_entry("Compute", '          - Effect: Deny\n            Principal: "*"\n'
                                    '            Action: ["s3:GetObject", "ec2:RunInstances"]\n'
                                    '            Resource: "*"\n'),
     "12", f"{RCP_FIELD}[0].Action", "ec2: resource control policies guard the resources of "
                                     "aoss, cognito-identity, dynamodb, ecr, kms, logs, s3, "
                                     "secretsmanager, sqs, sts only"),
    # The document's own checks, as for an IAM policy.
    (SCPS + policy_entry("Typo", '          - {Effect: Deny, Action: "s3:*", Resource: "*", '
                                 'Conditon: {}}\n'),
     "10", f"{SCP_FIELD}[0].Conditon", "unknown key"),
    (RCPS + policy_entry("Typo", '          - {Effect: Deny, Principal: "*", Action: "s3*", '
                                 'Resource: "*"}\n'),
     "10", f"{RCP_FIELD}[0].Action", "not service:action or *"),
])
def test_each_grammar_mistake_is_one_line_at_its_field(tmp_path, body, line, field, message):
    error = the_error(validate(tmp_path, body))
    assert (error["line"], error["field"]) == (line, field), error
    assert message in error["message"]


def test_a_single_statement_rcp_written_as_an_object_is_valid(tmp_path):
    """`Statement` may be one object rather than a list: its `"Principal": "*"` is the RCP's,
    not a Principal in an identity policy."""
    body = RCPS + ('    - name: SecureTransport\n      document:\n'
                   '        Version: "2012-10-17"\n        Statement:\n'
                   '          Effect: Deny\n          Principal: "*"\n          Action: "s3:*"\n'
                   '          Resource: "*"\n'
                   '          Condition: {BoolIfExists: {"aws:SecureTransport": "false"}}\n'
                   '      targets: [root]\n')
    result = validate(tmp_path, body)
    assert result.code == 0, result.stderr


def test_a_mistake_in_a_document_file_names_the_file_at_the_field(tmp_path):
    written = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}, indent=2)
    error = the_error(validate(tmp_path, SCPS + "    - name: FromAFile\n"
                               "      document_file: policies/deny.json\n      targets: [root]\n",
                               beside={"policies/deny.json": written}))
    assert error == {"line": "7", "field": "organization.service_control_policies[0]."
                                            "document_file",
                     "message": "policies/deny.json: a service control policy has no Principal: "
                                "it applies to every principal of the accounts it reaches"}
    fine = written.replace('"Principal": "*",', "")
    result = validate(tmp_path / "fine", SCPS + "    - name: FromAFile\n"
                      "      document_file: policies/deny.json\n      targets: [root]\n",
                      beside={"policies/deny.json": fine})
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(("body", "line", "field", "message"), [
    (SCPS + "    - name: FullAWSAccess\n      aws_managed: true\n      document: {}\n"
            "      targets: everywhere\n",
     "8", "organization.service_control_policies[0].document",
     "FullAWSAccess is AWS's own: only its targets are managed"),
    (SCPS + "    - name: MyFullAccess\n      aws_managed: true\n      targets: [root]\n",
     "7", "organization.service_control_policies[0].aws_managed",
     "AWS's own service control policy is FullAWSAccess; declare any other with its document"),
    (RCPS + "    - name: RCPFullAWSAccess\n      aws_managed: true\n"
            "      targets: [root, \"ou:Workloads\"]\n",
     "8", "organization.resource_control_policies[0].targets",
     "AWS attaches RCPFullAWSAccess everywhere and never lets it be detached: write "
     "`targets: everywhere`"),
])
def test_aws_own_policy_is_declared_for_its_targets_only(tmp_path, body, line, field, message):
    error = the_error(validate(tmp_path, body))
    assert (error["line"], error["field"], error["message"]) == (line, field, message)


@pytest.mark.parametrize(("body", "section", "own"), [
    (SCPS + policy_entry("FullAWSAccess", '          - {Effect: Allow, Action: "*", '
                                          'Resource: "*"}\n'),
     "service_control_policies", "FullAWSAccess"),
    (RCPS + "    - name: RCPFullAWSAccess\n      targets: everywhere\n",
     "resource_control_policies", "RCPFullAWSAccess"),
])
def test_aws_own_policy_declared_without_aws_managed_is_refused_at_its_name(tmp_path, body,
                                                                            section, own):
    """Declared with a document, FullAWSAccess would be planned for an UpdatePolicy AWS refuses
    half-way through apply (moto accepts it): validate says how to declare it instead."""
    error = the_error(validate(tmp_path, body))
    assert (error["line"], error["field"], error["message"]) == (
        "6", f"organization.{section}[0].name",
        f"{own} is AWS's own: declare it with `aws_managed: true` and its targets only")


def test_a_principal_in_a_single_statement_scp_is_pointed_at_its_line(tmp_path):
    """`Statement` written as one object: the error names `Statement.Principal`, at its line,
    not a `Statement[0]` the file does not have."""
    body = SCPS + ('    - name: NoRoot\n      document:\n        Version: "2012-10-17"\n'
                   '        Statement:\n          Effect: Deny\n'
                   '          NotPrincipal: {AWS: "*"}\n          Action: "*"\n'
                   '          Resource: "*"\n      targets: [root]\n')
    error = the_error(validate(tmp_path, body))
    assert (error["line"], error["field"]) == ("11", f"{SCP_FIELD}.NotPrincipal")


def test_more_than_five_policies_on_one_target_in_the_files_fail_validate_at_the_sixth(
        tmp_path):
    """What the files alone put on one target is counted offline (the plan adds the live
    policies iamctl does not manage, and resolves names): `everywhere` counts on every target,
    and RCPFullAWSAccess holds a place on each, declared or not (AWS never lets it go)."""
    entries = "".join(policy_entry(f"Deny{n}", DENY_LEAVE, '[root, "ou:Workloads"]')
                      for n in range(4))
    five = SCPS + "    - {name: FullAWSAccess, aws_managed: true, targets: everywhere}\n" \
        + entries
    assert validate(tmp_path / "5", five).code == 0
    error = the_error(validate(tmp_path / "6", five + policy_entry(
        "Deny4", DENY_LEAVE, '[prod-api, "ou:Workloads"]')))
    assert error == {
        "line": "36", "field": "organization.service_control_policies[5].targets[1]",
        "message": "ou:Workloads would hold 6 service control policies in these files (Deny0, "
                   "Deny1, Deny2, Deny3, Deny4, FullAWSAccess); AWS allows 5 per target"}
    rcps = "".join(policy_entry(f"Rcp{n}", RCP_S3, "everywhere") for n in range(5))
    error = the_error(validate(tmp_path / "rcp", RCPS + rcps))
    assert error == {
        "line": "40", "field": "organization.resource_control_policies[4].targets",
        "message": "every target would hold 6 resource control policies in these files "
                   "(RCPFullAWSAccess, Rcp0, Rcp1, Rcp2, Rcp3, Rcp4); AWS allows 5 per target"}


# The diff, its refusals and its plan lines, on plain data.

MANAGEMENT, API, WEB, OLD, DEV = ("111111111111", "222222222222", "333333333333",
                                  "444444444444", "555555555555")
ROOT_ID, WORKLOADS, SANDBOX = "r-root", "ou-root-workload", "ou-root-sandbox"
ORG = Organization(
    ROOT_ID, {account.id: account for account in (
        OrgAccount(MANAGEMENT, "management", "ACTIVE", ROOT_ID),
        OrgAccount(API, "prod-api", "ACTIVE", WORKLOADS),
        OrgAccount(WEB, "prod-web", "ACTIVE", WORKLOADS),
        OrgAccount(OLD, "old", "SUSPENDED", SANDBOX),
        OrgAccount(DEV, "dev", "ACTIVE", SANDBOX))},
    {WORKLOADS: OrgUnit(WORKLOADS, "Workloads", ROOT_ID),
     SANDBOX: OrgUnit(SANDBOX, "Sandbox", ROOT_ID)},
    management=MANAGEMENT, enabled_types=frozenset({"SERVICE_CONTROL_POLICY"}))
EVERY_NODE = (ROOT_ID, SANDBOX, WORKLOADS, MANAGEMENT, API, WEB, OLD, DEV)
ALLOW_ALL = canonical({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def deny(*actions: str) -> Document:
    return canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": list(actions), "Resource": "*"}]})


def allow(*actions: str) -> Document:
    return canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


FULL = OrgPolicy("FullAWSAccess", "Allows access to every operation", ALLOW_ALL, EVERY_NODE,
                 aws_managed=True, policy_id="p-FullAWSAccess")
FULL_WANTED = OrgPolicy("FullAWSAccess", everywhere=True, aws_managed=True)
LEAVE = deny("organizations:LeaveOrganization")


def held(name: str, document: Document, *nodes: str) -> OrgPolicy:
    """A policy as the reader finds it: attached to `nodes` (ids)."""
    return OrgPolicy(name, "", document, tuple(sorted(nodes)), policy_id=f"p-{name.lower()}")


def wanted(name: str, document: Document | None, *refs: str, **fields: Any) -> OrgPolicy:
    """A policy as the file declares it: attached to `refs` (as the file names them)."""
    return OrgPolicy(name, fields.pop("description", ""), document, tuple(refs), **fields)


def scp_diff(desired: list[OrgPolicy], live: list[OrgPolicy], prune: bool = False,
             enabled: bool = True, unmanaged: tuple[OrgPolicy, ...] = (FULL,)) -> list[Change]:
    """The SCP diff: `live` the policies the diff manages, `unmanaged` the others the reader
    read (AWS's own; those named `ignored-*` stand for what `ignore` names, which the generic
    diff takes out of the live side): all count on each target all the same."""
    every = {policy.name: policy for policy in (*unmanaged, *live)}
    context = PolicyContext(ORG, enabled, every)
    return _org_policy_diff.diff(SCP, SCP_KINDS, {p.name: p for p in desired},
                                 {p.name: p for p in (*live, *unmanaged)
                                  if not p.name.startswith("ignored")}, context, prune)


def impact(change: Change) -> Impact:
    """The change's impact by its kind's access rule, as the plan marks it."""
    rule = access_of(change.kind)
    assert callable(rule)
    return rule(change)[0]


def lines(changes: list[Change]) -> list[str]:
    return [line for change in changes
            for line in change_lines(replace(change, impact=impact(change)))]


def ceiling_lines(changes: list[Change]) -> list[str]:
    """The plan lines and what each does to the ceiling, without a document's diff lines."""
    return [line for line in lines(changes) if re.match(r"[-+~] |      [a-z]", line)]


def test_a_deny_detached_from_the_root_broadens_in_the_active_member_accounts_only():
    """N counts the active member accounts: never the management account (no SCP limits it),
    nor a suspended one."""
    changes = scp_diff([wanted("DenyLeave", LEAVE, "ou:Workloads"), FULL_WANTED],
                       [held("DenyLeave", LEAVE, ROOT_ID)])
    assert lines(changes) == [
        "+ SCP DenyLeave: attach to ou:Workloads (2 member accounts)",
        "      adds a deny on organizations:LeaveOrganization in 2 accounts",
        "- SCP DenyLeave: detach from root (3 member accounts) [broadens]",
        "      removes the deny on organizations:LeaveOrganization in 3 accounts",
    ]
    impacts = [impact(c) for c in changes]
    assert impacts == [Impact.NARROWS, Impact.BROADENS]
    # Where only the management account is reached, no one's ceiling moves.
    (change,) = scp_diff([wanted("DenyLeave", LEAVE, MANAGEMENT), FULL_WANTED], [])[1:]
    assert impact(change) == Impact.NEUTRAL


def test_a_document_rewritten_says_what_it_adds_and_removes_where_it_is_attached():
    changes = scp_diff([wanted("DenyLeave", deny("organizations:LeaveOrganization",
                                                 "account:CloseAccount"), "ou:Sandbox"),
                        FULL_WANTED], [held("DenyLeave", LEAVE, SANDBOX)])
    (document,) = changes
    assert document.kind == SCP_KINDS.document and document.target == "p-denyleave"
    text = lines(changes)
    assert text[0] == "~ SCP DenyLeave: document (reaches 1 member account) [broadens]"
    assert text[-2:] == [
        "      adds a deny on organizations:LeaveOrganization, account:CloseAccount in 1 account",
        "      removes the deny on organizations:LeaveOrganization in 1 account"]
    # Key order and the case of actions are not meaning: no change.
    same = canonical({"Version": "2012-10-17", "Statement": [
        {"Resource": "*", "Action": ["Organizations:LeaveOrganization"], "Effect": "Deny"}]})
    assert scp_diff([wanted("DenyLeave", same, "ou:Sandbox"), FULL_WANTED],
                    [held("DenyLeave", LEAVE, SANDBOX)]) == []
    # A Sid is part of the document, and moves no ceiling.
    named = canonical({"Version": "2012-10-17", "Statement": [
        {"Sid": "Stay", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
         "Resource": "*"}]})
    (sid,) = scp_diff([wanted("DenyLeave", named, "ou:Sandbox"), FULL_WANTED],
                      [held("DenyLeave", LEAVE, SANDBOX)])
    assert impact(sid) == Impact.NEUTRAL
    assert not [line for line in lines([sid]) if "deny" in line]


def test_a_document_dropping_a_deny_the_root_keeps_opens_nothing():
    """DenyLeave on the root holds over the Sandbox: a Sandbox policy that stops repeating it
    changes no ceiling there, and the deny it adds still narrows."""
    both = [held("DenyLeave", LEAVE, ROOT_ID), held("SandboxRules", LEAVE, SANDBOX)]
    (document,) = scp_diff([wanted("DenyLeave", LEAVE, "root"),
                            wanted("SandboxRules", deny("account:CloseAccount"), "ou:Sandbox")],
                           both)
    assert impact(document) == Impact.NARROWS
    assert [line for line in lines([document]) if "deny" in line] == [
        "      adds a deny on account:CloseAccount in 1 account"]


def test_a_policy_moved_and_rewritten_says_each_deny_where_it_really_comes_and_goes():
    """DenyLeave, on ou:Sandbox, rewritten to deny account:CloseAccount and moved to
    ou:Workloads: the Sandbox loses the deny on LeaveOrganization (its account), Workloads
    gains the one on CloseAccount (its two); no account keeps the policy, so the document
    change itself reaches none. Never "removes the deny on organizations:LeaveOrganization in
    2 accounts" where it never was."""
    changes = scp_diff([wanted("DenyLeave", deny("account:CloseAccount"), "ou:Workloads"),
                        FULL_WANTED], [held("DenyLeave", LEAVE, SANDBOX)])
    text = lines(changes)
    assert text[0] == "~ SCP DenyLeave: document (reaches 0 member accounts)"
    assert ceiling_lines(changes)[1:] == [
        "+ SCP DenyLeave: attach to ou:Workloads (2 member accounts)",
        "      adds a deny on account:CloseAccount in 2 accounts",
        "- SCP DenyLeave: detach from ou:Sandbox (1 member account) [broadens]",
        "      removes the deny on organizations:LeaveOrganization in 1 account",
    ]
    # Where it stays, the document change is judged there only.
    both = scp_diff([wanted("DenyLeave", deny("account:CloseAccount"), "ou:Workloads",
                            "ou:Sandbox"), FULL_WANTED], [held("DenyLeave", LEAVE, SANDBOX)])
    assert ceiling_lines(both) == [
        "~ SCP DenyLeave: document (reaches 1 member account) [broadens]",
        "      adds a deny on account:CloseAccount in 1 account",
        "      removes the deny on organizations:LeaveOrganization in 1 account",
        "+ SCP DenyLeave: attach to ou:Workloads (2 member accounts)",
        "      adds a deny on account:CloseAccount in 2 accounts",
    ]


def test_a_deny_with_a_condition_or_on_some_resources_says_so():
    """A deny rewritten from conditional to unconditional removes one deny on an action and
    adds another on the same action: each says what sets it apart, or the two lines would
    read as a contradiction."""
    conditional = canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": API},
                       "Bool": {"aws:ViaAWSService": "false"}}},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "NotResource": "arn:aws:s3:::logs"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::a/*"]}]})
    changes = scp_diff([wanted("DenyLeave", LEAVE, "ou:Sandbox"), FULL_WANTED],
                       [held("DenyLeave", conditional, SANDBOX)])
    assert ceiling_lines(changes)[1:] == [
        "      adds a deny on organizations:LeaveOrganization in 1 account",
        "      removes the deny on organizations:LeaveOrganization (condition on "
        "aws:PrincipalAccount, aws:ViaAWSService) in 1 account",
        "      removes the deny on s3:DeleteBucket (every resource but arn:aws:s3:::logs) in 1 "
        "account",
        "      removes the deny on s3:PutObject (resource arn:aws:s3:::a/*) in 1 account"]


def test_an_allow_changes_nothing_where_full_access_stays_and_narrows_where_it_goes():
    """Allow-list strategy: FullAWSAccess taken off ou:Sandbox, an Allow of s3 put there."""
    reads = allow("s3:GetObject")
    changes = scp_diff(
        [wanted("S3Only", reads, "ou:Sandbox", "ou:Workloads"),
         wanted("FullAWSAccess", None, "root", "ou:Workloads", *(a for a in (
             MANAGEMENT, API, WEB, OLD, DEV)), aws_managed=True)],
        [held("S3Only", reads, WORKLOADS)])
    assert lines(changes) == [
        "+ SCP S3Only: attach to ou:Sandbox (1 member account) [broadens]",
        "      allows s3:GetObject in 1 account",
        "- SCP FullAWSAccess: detach from ou:Sandbox (1 member account)",
        "      no longer allows * in 1 account",
    ]


def test_a_plan_that_would_leave_a_target_without_an_scp_is_refused_naming_it():
    with pytest.raises(PlanRefused, match="service_control_policies: the plan would leave "
                                          "ou:Sandbox without any service control policy, "
                                          "which AWS refuses"):
        scp_diff([wanted("FullAWSAccess", None, "root", "ou:Workloads", MANAGEMENT, API, WEB,
                         OLD, DEV, aws_managed=True)], [])


def test_policies_iamctl_does_not_manage_or_ignores_keep_a_target_covered():
    """An undeclared policy (no prune) and an ignored one are still attached after the plan:
    the targets they are on keep an SCP."""
    others = (FULL, held("Guard", LEAVE, SANDBOX), held("ignored-guardrail", LEAVE, DEV, OLD))
    full_but = wanted("FullAWSAccess", None, "root", "ou:Workloads", MANAGEMENT, API, WEB,
                      aws_managed=True)
    changes = scp_diff([full_but], [], unmanaged=others)
    assert {change_lines(c)[0] for c in changes} == {
        f"- SCP FullAWSAccess: detach from {node} ({reach})" for node, reach in (
            ("ou:Sandbox", "1 member account"), (f"{OLD} (old)", "0 member accounts"),
            (f"{DEV} (dev)", "1 member account"))}
    # Pruned, the undeclared one no longer keeps ou:Sandbox covered; the ignored one stays.
    with pytest.raises(PlanRefused, match="leave ou:Sandbox without"):
        scp_diff([full_but], [], prune=True, unmanaged=others)


def test_more_than_five_per_target_is_refused_counting_those_iamctl_does_not_manage():
    others = (FULL, *(held(f"ignored-{n}", LEAVE, ROOT_ID) for n in range(3)))
    fifth = [wanted("DenyLeave", LEAVE, "root"), FULL_WANTED]
    assert len(scp_diff(fifth, [], unmanaged=others)) == 2  # created, attached
    with pytest.raises(PlanRefused, match=re.escape(
            "service_control_policies: root would hold 6 service control policies "
            "(DenyClose, DenyLeave, FullAWSAccess, ignored-0, ignored-1, ignored-2); AWS "
            "allows 5 per target, those iamctl does not manage included")):
        scp_diff([*fifth, wanted("DenyClose", deny("account:CloseAccount"), "root")], [],
                 unmanaged=others)


def test_prune_detaches_then_deletes_never_aws_own():
    old = held("Old", LEAVE, WORKLOADS, API)
    changes = scp_diff([], [old], prune=True)
    assert [(c.action, c.kind, c.name) for c in changes] == [
        (Action.DELETE, SCP_KINDS.target, "Old"), (Action.DELETE, SCP_KINDS.target, "Old"),
        (Action.DELETE, SCP_KINDS.policy, "Old")]
    detach, _, delete = (spec_of(c.kind) for c in changes)
    assert detach.deletion_phase is not None and delete.deletion_phase is not None
    assert detach.deletion_phase < delete.deletion_phase
    assert changes[-1].target == "p-old"


def test_rcps_pruned_to_none_leave_rcpfullawsaccess_where_aws_keeps_it():
    """RCPFullAWSAccess cannot be detached: undeclared, prune neither detaches nor deletes it,
    and a target left with it alone is no bare target."""
    rcp_full = OrgPolicy("RCPFullAWSAccess", "", ALLOW_ALL, EVERY_NODE, aws_managed=True,
                         policy_id="p-RCPFullAWSAccess")
    s3 = canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    guard = held("S3Guard", s3, ROOT_ID, SANDBOX)
    context = PolicyContext(ORG, True, {p.name: p for p in (rcp_full, guard)})
    changes = _org_policy_diff.diff(RCP, RCP_KINDS, {}, {p.name: p for p in (rcp_full, guard)},
                                    context, True)
    assert ceiling_lines(changes) == [
        "- RCP S3Guard: detach from ou:Sandbox (1 member account) [broadens]",
        "      removes the deny on s3:* in 1 account",
        "- RCP S3Guard: detach from root (3 member accounts) [broadens]",
        "      removes the deny on s3:* in 3 accounts",
        "- resource control policy S3Guard"]


def test_a_type_not_enabled_is_enabled_first_and_full_access_not_attached_again():
    """AWS attaches FullAWSAccess everywhere when the type is enabled: the plan counts it there
    (no target bare, nothing to attach) without attaching it itself."""
    unattached = replace(FULL, targets=())
    changes = scp_diff([wanted("DenyLeave", LEAVE, "ou:Workloads"), FULL_WANTED], [],
                       enabled=False, unmanaged=(unattached,))
    assert lines(changes) == [
        "+ organization root: enable service control policies (AWS attaches FullAWSAccess "
        "to every target)",
        "+ service control policy DenyLeave",
        "+ SCP DenyLeave: attach to ou:Workloads (2 member accounts)",
        "      adds a deny on organizations:LeaveOrganization in 2 accounts",
    ]
    assert changes[0].target == ROOT_ID
    assert spec_of(changes[0].kind).phase < spec_of(changes[1].kind).phase
    # Enabled: nothing of the kind.
    assert scp_diff([FULL_WANTED], []) == []


def test_a_deny_kept_from_above_is_neither_added_nor_removed_below():
    """The same Deny on the root holds over every OU and account: detaching it from an OU, or
    attaching it there, changes no ceiling; detaching it from the root, while an OU keeps it,
    still opens it in the other accounts."""
    both = [held("DenyLeave", LEAVE, ROOT_ID), held("AlsoLeave", LEAVE, WORKLOADS)]
    moved_off = scp_diff([wanted("DenyLeave", LEAVE, "root"), wanted("AlsoLeave", LEAVE)], both)
    assert [(impact(c), ceiling_lines([c])) for c in moved_off] == [
        (Impact.NEUTRAL, ["- SCP AlsoLeave: detach from ou:Workloads (2 member accounts)"])]
    onto = scp_diff([wanted("DenyLeave", LEAVE, "root"),
                     wanted("AlsoLeave", LEAVE, "ou:Workloads", "ou:Sandbox")], both)
    assert [(impact(c), ceiling_lines([c])) for c in onto] == [
        (Impact.NEUTRAL, ["+ SCP AlsoLeave: attach to ou:Sandbox (1 member account)"])]
    root_off = scp_diff([wanted("DenyLeave", LEAVE), wanted("AlsoLeave", LEAVE, "ou:Workloads")],
                        both)
    assert [impact(c) for c in root_off] == [Impact.BROADENS]


def test_a_type_not_enabled_stays_so_while_the_files_declare_none_of_it():
    """An empty section (`resource_control_policies: []`) says no policy of the type is wanted:
    nothing to enable, and nothing to attach; an undeclared policy is still pruned."""
    unattached = held("Leftover", LEAVE)
    assert scp_diff([], [], enabled=False) == []
    assert [(c.action, c.kind, c.name) for c in scp_diff([], [unattached], prune=True,
                                                         enabled=False)] == \
        [(Action.DELETE, SCP_KINDS.policy, "Leftover")]


def test_full_access_attached_beside_an_allow_with_holes_broadens():
    """An Allow of every action but iam:* is no full access: FullAWSAccess attached beside it
    opens iam:* there, and the plan must say so (not `no change` as if already covered)."""
    holes = canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})
    others = (replace(FULL, targets=tuple(n for n in EVERY_NODE if n != SANDBOX)),)
    changes = scp_diff([FULL_WANTED, wanted("AllButIam", holes, "ou:Sandbox")],
                       [held("AllButIam", holes, SANDBOX)], unmanaged=others)
    assert lines(changes) == [
        "+ SCP FullAWSAccess: attach to ou:Sandbox (1 member account) [broadens]",
        "      allows * in 1 account"]


def test_a_replacement_on_a_full_target_is_refused_before_apply_overfills_it():
    """Apply attaches every new policy before it detaches any (so no target is ever bare): on a
    target that holds 5, a policy replaced by another would be a sixth in between, and AWS
    would refuse the attach half-way through apply. The plan refuses first, naming the target
    and what to do."""
    others = (FULL, *(held(f"ignored-{n}", LEAVE, ROOT_ID) for n in range(3)))
    close = deny("account:CloseAccount")
    with pytest.raises(PlanRefused, match=re.escape(
            "service_control_policies: root would hold 6 service control policies while apply "
            "runs (DenyClose, DenyLeave, FullAWSAccess, ignored-0, ignored-1, ignored-2): apply "
            "attaches before it detaches, and AWS allows 5 per target; detach DenyLeave from "
            "root in an apply of its own first")):
        scp_diff([wanted("DenyLeave", LEAVE), wanted("DenyClose", close, "root"), FULL_WANTED],
                 [held("DenyLeave", LEAVE, ROOT_ID)], unmanaged=others)
    # On a target with room, the same replacement is planned: created, attached, detached.
    changes = scp_diff([wanted("DenyLeave", LEAVE), wanted("DenyClose", close, "root"),
                        FULL_WANTED], [held("DenyLeave", LEAVE, ROOT_ID)])
    assert [(c.action, c.kind, c.name) for c in sorted(changes, key=phase_of)] == [
        (Action.CREATE, SCP_KINDS.policy, "DenyClose"),
        (Action.CREATE, SCP_KINDS.target, "DenyClose"),
        (Action.DELETE, SCP_KINDS.target, "DenyLeave")]


# Plan and apply through the CLI, against moto in process.


class Org:
    """An organisation in moto, made with boto3: this account its management account."""

    def __init__(self, client: Any) -> None:
        self.client = client
        client.create_organization(FeatureSet="ALL")
        self.root = client.list_roots()["Roots"][0]["Id"]

    def unit(self, name: str, parent: str | None = None) -> str:
        made = self.client.create_organizational_unit(ParentId=parent or self.root, Name=name)
        return str(made["OrganizationalUnit"]["Id"])

    def account(self, name: str, parent: str | None = None) -> str:
        made = self.client.create_account(Email=f"{name}@example.com", AccountName=name)
        account = str(made["CreateAccountStatus"]["AccountId"])
        if parent:
            self.client.move_account(AccountId=account, SourceParentId=self.root,
                                     DestinationParentId=parent)
        return account

    def policies(self, policy_type: str = "SERVICE_CONTROL_POLICY") -> dict[str, str]:
        """The policies of a type, by name -> id."""
        return {p["Name"]: p["Id"]
                for p in self.client.list_policies(Filter=policy_type)["Policies"]}

    def policy_id(self, name: str) -> str:
        found = {**self.policies(), **self.policies("RESOURCE_CONTROL_POLICY")}
        return found[name]

    def described(self, name: str) -> dict[str, Any]:
        policy: dict[str, Any] = self.client.describe_policy(
            PolicyId=self.policy_id(name))["Policy"]
        return policy

    def targets(self, name: str) -> set[str]:
        return {t["TargetId"] for t in self.client.list_targets_for_policy(
            PolicyId=self.policy_id(name))["Targets"]}

    def tags(self, name: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in self.client.list_tags_for_resource(
            ResourceId=self.policy_id(name))["Tags"]}

    def enabled(self) -> set[str]:
        root = self.client.list_roots()["Roots"][0]
        return {t["Type"] for t in root["PolicyTypes"] if t["Status"] == "ENABLED"}

    def nodes(self) -> set[str]:
        """The root, every OU and every account."""
        units, parents = set(), [self.root]
        while parents:
            found = self.client.list_organizational_units_for_parent(
                ParentId=parents.pop())["OrganizationalUnits"]
            units |= {unit["Id"] for unit in found}
            parents += [unit["Id"] for unit in found]
        accounts = {a["Id"] for a in self.client.list_accounts()["Accounts"]}
        return {self.root, *units, *accounts}


class Tree:
    """The organisation most tests plan against: Workloads (prod-api, prod-web) and Sandbox
    (dev) under the root, where the management account is."""

    def __init__(self, org: Org) -> None:
        self.workloads, self.sandbox = org.unit("Workloads"), org.unit("Sandbox")
        self.api = org.account("prod-api", self.workloads)
        self.web = org.account("prod-web", self.workloads)
        self.dev = org.account("dev", self.sandbox)


@pytest.fixture
def org(moto_iam: Any) -> Org:
    return Org(boto3.client("organizations", region_name="us-east-1"))


@pytest.fixture
def tree(org: Org) -> Tree:
    return Tree(org)


def iamctl(*args: str) -> CliResult:
    """`iamctl` in this process: it reaches moto in process (no endpoint)."""
    return run_in_process(args, "", {}, None)


def in_sync(*files: str) -> None:
    planned = iamctl("plan", *files, "--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert "No changes. The account matches the configuration." in planned.stdout


def applied(*files: str) -> CliResult:
    result = iamctl("apply", *files, "--yes")
    assert result.code == 0, result.stdout + result.stderr
    return result


LEAVE_DOC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Stay", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
     "Resource": "*"}]}
REGIONS_DOC = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]}
S3_DOC = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}]}


def organization_file(directory: Path, scps: list[dict[str, Any]],
                      rcps: list[dict[str, Any]] | None = None, name: str = "account.yaml",
                      prefix: str = "") -> str:
    """The management account's file: its `organization` section from entries (YAML is JSON)."""
    section: dict[str, Any] = {"service_control_policies": scps}
    if rcps is not None:
        section["resource_control_policies"] = rcps
    return write_account(directory, prefix + "organization: " + json.dumps(section) + "\n",
                         name=name)


FULL_EVERYWHERE = {"name": "FullAWSAccess", "aws_managed": True, "targets": "everywhere"}
RCP_FULL = {"name": "RCPFullAWSAccess", "aws_managed": True, "targets": "everywhere"}


def test_every_managed_attribute_converges_and_a_second_apply_does_nothing(tree, org,
                                                                          tmp_path):
    first = organization_file(tmp_path / "1", [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "description": "Accounts stay", "document": LEAVE_DOC,
         "targets": ["ou:Workloads", "dev"], "tags": {"owner": "security", "tier": "1"}},
        {"name": "RegionLock", "document": REGIONS_DOC, "targets": "everywhere"}],
        [RCP_FULL, {"name": "S3Secure", "document": S3_DOC, "targets": ["root"]}])
    applied(first)
    assert org.enabled() == {"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}
    leave = org.described("DenyLeave")
    assert leave["Content"] == minified(LEAVE_DOC)  # exactly what validate measured
    assert leave["PolicySummary"]["Description"] == "Accounts stay"
    assert org.targets("DenyLeave") == {tree.workloads, tree.dev}
    assert org.tags("DenyLeave") == {"owner": "security", "tier": "1"}
    assert org.targets("RegionLock") == org.nodes()
    assert org.targets("S3Secure") == {org.root}
    in_sync(first)
    assert "No changes." in applied(first).stdout
    # Each attribute changed in the file: description, document, tags, targets.
    stricter = {**LEAVE_DOC, "Statement": [*LEAVE_DOC["Statement"], {
        "Effect": "Deny", "Action": "account:CloseAccount", "Resource": "*"}]}
    second = organization_file(tmp_path / "2", [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "description": "Accounts stay, and open", "document": stricter,
         "targets": ["root", "prod-api"], "tags": {"owner": "platform"}},
        {"name": "RegionLock", "document": REGIONS_DOC, "targets": ["ou:Sandbox"]}],
        [RCP_FULL, {"name": "S3Secure", "document": S3_DOC, "targets": "everywhere"}])
    applied(second)
    leave = org.described("DenyLeave")
    assert leave["Content"] == minified(stricter)
    assert leave["PolicySummary"]["Description"] == "Accounts stay, and open"
    assert org.targets("DenyLeave") == {org.root, tree.api}
    assert org.tags("DenyLeave") == {"owner": "platform"}
    assert org.targets("RegionLock") == {tree.sandbox}
    assert org.targets("S3Secure") == org.nodes()
    in_sync(second)
    assert "No changes." in applied(second).stdout


def test_an_attach_a_detach_and_a_document_edit_out_of_band_are_drift_and_put_back(
        tree, org, tmp_path):
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["ou:Workloads", "dev"]},
        {"name": "RegionLock", "document": REGIONS_DOC, "targets": "everywhere"}])
    applied(path)
    client = org.client
    client.attach_policy(PolicyId=org.policy_id("DenyLeave"), TargetId=tree.web)
    client.detach_policy(PolicyId=org.policy_id("DenyLeave"), TargetId=tree.dev)
    client.update_policy(PolicyId=org.policy_id("DenyLeave"), Content=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": tree.api}}}]}))
    new = org.unit("Data")  # a new OU: `everywhere` reaches it too
    drift = iamctl("plan", path, "--detailed-exitcode")
    assert drift.code == 2, drift.stderr
    assert "+ SCP RegionLock: attach to ou:Data (0 member accounts)" in drift.stdout
    assert f"+ SCP DenyLeave: attach to {tree.dev} (dev) (1 member account)" in drift.stdout
    assert f"- SCP DenyLeave: detach from {tree.web} (prod-web) (1 member account)" \
        in drift.stdout
    assert "~ SCP DenyLeave: document (reaches 2 member accounts) [broadens]" in drift.stdout
    assert "      adds a deny on organizations:LeaveOrganization in 2 accounts\n" \
        "        removes the deny on organizations:LeaveOrganization (condition on " \
        "aws:PrincipalAccount) in 2 accounts" in drift.stdout
    applied(path)
    assert org.targets("DenyLeave") == {tree.workloads, tree.dev}
    assert org.described("DenyLeave")["Content"] == minified(LEAVE_DOC)
    assert new in org.targets("RegionLock")
    in_sync(path)


def test_a_replacement_on_a_full_target_is_refused_at_the_new_policys_targets(tree, org,
                                                                              aws_rules,
                                                                              tmp_path):
    """The root holds FullAWSAccess and four more; the files swap one for another. Apply
    would attach the new one first, a sixth, and AWS would refuse it half-way (`AwsRules`;
    moto takes a ninth): the plan refuses first, at the new policy's targets."""
    denies = [{"name": f"Deny{n}", "document": LEAVE_DOC, "targets": ["root"]}
              for n in range(4)]
    applied(organization_file(tmp_path / "1", [FULL_EVERYWHERE, *denies]))
    swapped = organization_file(tmp_path / "2", [
        FULL_EVERYWHERE, *denies[:3], {**denies[3], "targets": []},
        {"name": "DenyClose", "document": LEAVE_DOC, "targets": ["root"]}])
    before = {name: org.targets(name) for name in org.policies()}
    refused = iamctl("apply", swapped, "--yes")
    [line] = refused.stderr.splitlines()
    assert refused.code == 1 and line.startswith(f"error: {swapped}:4:")
    assert line.endswith(": organization.service_control_policies[5].targets: root would hold "
                         "6 service control policies while apply runs (Deny0, Deny1, Deny2, "
                         "Deny3, DenyClose, FullAWSAccess): apply attaches before it detaches, "
                         "and AWS allows 5 per target; detach Deny3 from root in an apply of "
                         "its own first")
    assert {name: org.targets(name) for name in org.policies()} == before


def test_export_writes_the_policies_and_their_targets_and_plans_back_in_sync(tree, org,
                                                                            tmp_path):
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "description": "Accounts stay", "document": LEAVE_DOC,
         "targets": ["ou:Workloads", "dev", "root"], "tags": {"owner": "security"}},
        {"name": "RegionLock", "document": REGIONS_DOC, "targets": "everywhere"}],
        [RCP_FULL, {"name": "S3Secure", "document": S3_DOC, "targets": ["ou:Sandbox"]}])
    applied(path)
    exported = tmp_path / "exported" / "account.yaml"
    exported.parent.mkdir()
    result = iamctl("export", "--out", str(exported))
    assert result.code == 0, result.stderr
    text = exported.read_text()
    assert "  - name: DenyLeave\n    description: Accounts stay\n" in text
    assert f'    targets:\n    - "{tree.dev}"\n    - ou:Workloads\n    - root\n' in text
    assert "  - name: RegionLock\n" in text and "    targets: everywhere\n" in text
    assert "  resource_control_policies:\n" in text
    in_sync(str(exported))


@pytest.mark.parametrize(("target", "message"), [
    ("ou:Workload", "no OU 'Workload' in the organisation (did you mean 'ou:Workloads'?)"),
    ("prod-apy", "no account named 'prod-apy' in the organisation (did you mean 'prod-api'?)"),
    ("Workloads", "no account named 'Workloads' in the organisation (did you mean "
                  "'ou:Workloads'?)"),
])
def test_a_misspelled_target_fails_the_plan_at_its_line_and_nothing_changes(
        tree, org, tmp_path, target, message):
    path = write_account(tmp_path, SCPS + "    - {name: FullAWSAccess, aws_managed: true, "
                         "targets: everywhere}\n" + policy_entry(
                             "DenyLeave", DENY_LEAVE, f'[root, "{target}"]'))
    for command in ("plan", "apply"):
        result = iamctl(command, path, *(("--yes",) if command == "apply" else ()))
        assert result.code == 1
        [line] = result.stderr.splitlines()
        assert line == (f"error: {path}:12:23: organization.service_control_policies[1]."
                        f"targets[1]: {message}")
    assert "DenyLeave" not in org.policies() and org.enabled() == set()


# What AWS enforces and moto does not, answered at the AWS boundary.


class AwsRules:
    """AWS's own rules on moto's state, at the AWS boundary of every botocore session made from
    now on (the CLI's in-process runs included): a before-call hook answers what AWS would
    refuse, an after-call hook shows what AWS would say, and every Organizations call is
    recorded. moto's own answers prove none of this:
    - an attach while the type is not ENABLED: PolicyTypeNotEnabledException;
    - a sixth policy of a type on a target, or a detach of the last SCP of a target (or of
      RCPFullAWSAccess): ConstraintViolationException;
    - a type just enabled is PENDING_ENABLE at the next ListRoots (AWS enables it
      asynchronously)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from moto.organizations.models import organizations_backends

        self.backend = organizations_backends[ACCOUNT_ID]["aws"]
        self.calls: list[tuple[str, dict[str, Any]]] = []  # Organizations'
        self.every_call = 0  # to any service
        self.pending: set[str] = set()
        # Another hand's change, made once, just before the first call of an operation.
        self.racing: dict[str, Callable[[], Any]] = {}
        # A race runs before the rules (one event's handlers run in the order registered).
        hooks = [("before-parameter-build", self.record),
                 *((f"before-call.organizations.{operation}", self.race)
                   for operation in ("AttachPolicy", "DetachPolicy", "DescribePolicy",
                                     "DeletePolicy")),
                 ("before-call.organizations.AttachPolicy", self.attach),
                 ("before-call.organizations.DetachPolicy", self.detach),
                 ("after-call.organizations.EnablePolicyType", self.enabling),
                 ("after-call.organizations.ListRoots", self.roots)]
        monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS",
                            [*botocore.handlers.BUILTIN_HANDLERS, *hooks])

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.every_call += 1
        if model.service_model.service_name == "organizations":
            self.calls.append((model.name, dict(params)))

    def race(self, model: Any, **_: Any) -> None:
        self.racing.pop(model.name, lambda: None)()

    def attach(self, params: dict[str, Any], **_: Any) -> Any:
        sent = json.loads(params["body"])
        policy = self.backend.get_policy_by_id(sent["PolicyId"])
        if {"Type": policy.type, "Status": "ENABLED"} not in self._root().policy_types \
                or policy.type in self.pending:
            return refused("PolicyTypeNotEnabledException", "This operation can be performed "
                           "only for enabled policy types.")
        if len(self._held(sent["TargetId"], policy.type)) >= 5:
            return refused("ConstraintViolationException", "You have attached the maximum "
                           "number of policies to the target.", "POLICY_NUMBER_LIMIT_EXCEEDED")
        return None

    def detach(self, params: dict[str, Any], **_: Any) -> Any:
        sent = json.loads(params["body"])
        policy = self.backend.get_policy_by_id(sent["PolicyId"])
        held = self._held(sent["TargetId"], policy.type)
        if policy.name == "RCPFullAWSAccess" or (
                policy.type == "SERVICE_CONTROL_POLICY" and [p.id for p in held] == [policy.id]):
            return refused("ConstraintViolationException", "You cannot remove the last policy "
                           "attached to the specified target.", "MIN_POLICY_TYPE_ATTACHMENT_"
                           "LIMIT_EXCEEDED")
        return None

    def enabling(self, parsed: dict[str, Any], **_: Any) -> None:
        for found in parsed.get("Root", {}).get("PolicyTypes", []):
            self.pending.add(found["Type"])

    def roots(self, parsed: dict[str, Any], **_: Any) -> None:
        """The first ListRoots after an enable says PENDING_ENABLE; the next, ENABLED."""
        for root in parsed.get("Roots", []):
            for found in root.get("PolicyTypes", []):
                if found["Type"] in self.pending:
                    found["Status"] = "PENDING_ENABLE"
                    self.pending.discard(found["Type"])

    def _root(self) -> Any:
        return self.backend.ou[0]

    def _held(self, target: str, policy_type: str) -> list[Any]:
        node: Any = next(n for n in [*self.backend.ou, *self.backend.accounts]
                         if getattr(n, "id", "") == target)
        return [p for p in node.attached_policies if p.type == policy_type]


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}


def refused(code: str, message: str, reason: str = "") -> tuple[_Http, dict[str, Any]]:
    error: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
    if reason:
        error["Reason"] = reason
    return _Http(400), error


@pytest.fixture
def aws_rules(org: Org, monkeypatch: pytest.MonkeyPatch) -> AwsRules:
    monkeypatch.setattr("reconciler.aws.writers.organization_policies.POLL_SECONDS", 0)
    return AwsRules(monkeypatch)


def test_apply_enables_waits_attaches_then_detaches_then_deletes(tree, org, aws_rules,
                                                                tmp_path):
    """The type is enabled first and waited for (PENDING_ENABLE, then ENABLED); every attach
    is made before any detach, so no target is left without an SCP in between; a pruned
    policy is deleted after its detachments."""
    first = organization_file(tmp_path / "1", [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["ou:Sandbox"]},
        {"name": "Old", "document": REGIONS_DOC, "targets": ["ou:Workloads", "prod-api"]}])
    applied(first)
    assert aws_rules.operations().index("EnablePolicyType") < \
        aws_rules.operations().index("AttachPolicy")
    roots = [i for i, op in enumerate(aws_rules.operations()) if op == "ListRoots"]
    assert len([i for i in roots if i > aws_rules.operations().index("EnablePolicyType")]) == 2
    # FullAWSAccess off the Sandbox (DenyLeave keeps it covered), DenyLeave moved, Old pruned.
    second = organization_file(tmp_path / "2", [
        {"name": "FullAWSAccess", "aws_managed": True,
         "targets": ["root", "ou:Workloads", "prod-api", "prod-web", "dev", ACCOUNT_ID]},
        {"name": "DenyLeave", "document": LEAVE_DOC,
         "targets": ["ou:Sandbox", "ou:Workloads", "dev"]}],
        prefix="prune: true\n")
    old = org.policy_id("Old")
    aws_rules.calls.clear()
    result = applied(second)
    assert "- service control policy Old" in result.stdout
    writes = [(op, params.get("TargetId", params.get("PolicyId")))
              for op, params in aws_rules.calls
              if op in ("AttachPolicy", "DetachPolicy", "DeletePolicy")]
    kinds = [op for op, _ in writes]
    assert kinds == sorted(kinds, key=["AttachPolicy", "DetachPolicy", "DeletePolicy"].index)
    assert set(writes) == {
        ("AttachPolicy", tree.workloads), ("AttachPolicy", tree.dev),
        ("DetachPolicy", tree.sandbox), ("DetachPolicy", tree.workloads),
        ("DetachPolicy", tree.api), ("DeletePolicy", old)}
    assert "Old" not in org.policies()
    in_sync(second)



def test_a_type_still_pending_after_the_wait_stops_apply_before_any_attach(tree, org,
                                                                         aws_rules, tmp_path,
                                                                         monkeypatch):
    """AWS enables a type asynchronously; an attach before it is ENABLED is refused
    (PolicyTypeNotEnabledException). Apply waits, and past its patience stops with one line
    saying to run it again, having attached nothing."""
    monkeypatch.setattr("reconciler.aws.writers.organization_policies.ENABLE_TIMEOUT_SECONDS",
                        0)
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE, {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]}])
    result = iamctl("apply", path, "--yes")
    assert result.code == 1
    assert "service control policies: still PENDING_ENABLE after 0 s; run apply again" \
        in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "AttachPolicy" not in aws_rules.operations()
    applied(path)  # enabled by now: the next apply converges
    in_sync(path)


def test_an_scp_detached_by_another_hand_mid_apply_stops_it_naming_the_target(tree, org,
                                                                            aws_rules,
                                                                            tmp_path):
    """The plan refuses to leave a target bare; but if another hand detaches its other SCP
    between the plan's read and the detach, AWS refuses the detach
    (ConstraintViolationException): apply stops there, one line naming the target and AWS's
    answer, after the attachments and before anything else."""
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    guard = org.client.create_policy(Name="Guard", Type="SERVICE_CONTROL_POLICY",
                                     Description="", Content=minified(LEAVE_DOC))
    guard_id = guard["Policy"]["PolicySummary"]["Id"]
    org.client.attach_policy(PolicyId=guard_id, TargetId=tree.sandbox)
    path = organization_file(tmp_path, [
        {"name": "FullAWSAccess", "aws_managed": True,
         "targets": ["root", "ou:Workloads", "prod-api", "prod-web", "dev", ACCOUNT_ID]},
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["ou:Workloads"]}])
    aws_rules.racing["DetachPolicy"] = lambda: aws_rules.backend.detach_policy(
        PolicyId=guard_id, TargetId=tree.sandbox)
    result = iamctl("apply", path, "--yes")
    assert result.code == 1
    assert "  done:          + SCP DenyLeave: attach to ou:Workloads (2 member accounts)\n" \
        "  failed:        - SCP FullAWSAccess: detach from ou:Sandbox (1 member account): " \
        "detach service control policy FullAWSAccess from ou:Sandbox: DetachPolicy: " \
        "ConstraintViolationException: You cannot remove the last policy attached to the " \
        "specified target.\n" in result.stdout + result.stderr
    assert tree.sandbox in org.targets("FullAWSAccess")
    # Run again, the plan itself refuses before any change, naming the target.
    again = iamctl("apply", path, "--yes")
    [line] = again.stderr.splitlines()
    assert again.code == 1 and line.startswith(f"error: {path}:4:")
    assert line.endswith(": organization.service_control_policies[0].targets: the plan would "
                         "leave ou:Sandbox without any service control policy, which AWS "
                         "refuses; attach another there (such as FullAWSAccess) in the same "
                         "files")


def test_a_type_disabled_by_another_hand_mid_apply_stops_it_at_the_attach(tree, org,
                                                                        aws_rules, tmp_path):
    """An attach to a type no longer enabled: AWS's PolicyTypeNotEnabledException, one line;
    the next plan enables the type again first."""
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE, {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]}])
    aws_rules.racing["AttachPolicy"] = lambda: aws_rules.backend.disable_policy_type(
        RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    result = iamctl("apply", path, "--yes")
    assert result.code == 1
    assert "failed:        + SCP DenyLeave: attach to root (3 member accounts): attach service " \
        "control policy DenyLeave to root: AttachPolicy: PolicyTypeNotEnabledException: " \
        in result.stdout + result.stderr
    again = iamctl("plan", path)
    assert "+ organization root: enable service control policies" in again.stdout
    applied(path)
    in_sync(path)


def test_the_read_lists_each_type_once_and_reads_each_policy_once_counted(tree, org,
                                                                          aws_rules, tmp_path):
    """One ListPolicies per type; a DescribePolicy and a ListTargetsForPolicy per policy (AWS's
    own and those `ignore` names included: they count on each target); tags only of the
    policies the files declare with `tags`; the organisation read once for both types."""
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE,
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"], "tags": {"a": "b"}},
        {"name": "RegionLock", "document": REGIONS_DOC, "targets": ["ou:Sandbox"]}],
        [RCP_FULL, {"name": "S3Secure", "document": S3_DOC, "targets": ["root"]}])
    applied(path)
    org.client.create_policy(Name="guardrail-1", Type="SERVICE_CONTROL_POLICY",
                             Description="", Content=minified(LEAVE_DOC))
    ignoring = write_account(tmp_path / "ignoring", Path(path).read_text().split("\n", 3)[3]
                             + "ignore: {service_control_policies: [guardrail-*]}\n")
    aws_rules.calls.clear()
    aws_rules.every_call = 0
    planned = iamctl("plan", ignoring)
    assert planned.code == 0, planned.stderr
    assert "No changes." in planned.stdout
    counted: dict[str, int] = {}
    for operation in aws_rules.operations():
        counted[operation] = counted.get(operation, 0) + 1
    assert counted == {
        "ListRoots": 1, "ListOrganizationalUnitsForParent": 3, "ListAccountsForParent": 3,
        "ListPolicies": 2, "DescribePolicy": 4 + 2, "ListTargetsForPolicy": 4 + 2,
        "ListTagsForResource": 1}
    listed = [params["Filter"] for op, params in aws_rules.calls if op == "ListPolicies"]
    assert sorted(listed) == ["RESOURCE_CONTROL_POLICY", "SERVICE_CONTROL_POLICY"]
    assert "2 resource control policies, 4 service control policies in " \
        f"{aws_rules.every_call} API calls" in planned.stderr



def test_a_policy_whose_content_is_not_json_is_one_line_naming_it(tree, org, tmp_path):
    """AWS stores only JSON; moto stores whatever it is sent. A policy read back that is not
    JSON is said in one line naming it, never a traceback."""
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    org.client.create_policy(Name="Broken", Type="SERVICE_CONTROL_POLICY", Description="",
                             Content="{not json")
    planned = iamctl("plan", organization_file(tmp_path, [FULL_EVERYWHERE]))
    assert planned.code == 1
    assert planned.stderr.splitlines()[-1].startswith(
        "error: read policy Broken: its content is not JSON (")
    assert "Traceback" not in planned.stderr


def test_a_policy_deleted_between_the_list_and_its_reads_is_left_out(tree, org, aws_rules,
                                                                    tmp_path):
    """Another hand deletes a policy after ListPolicies listed it: its DescribePolicy answers
    PolicyNotFoundException (moto, as AWS), and the plan reads on as if it had been listed
    later, rather than failing."""
    path = organization_file(tmp_path, [
        FULL_EVERYWHERE, {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]}])
    applied(path)
    gone = org.client.create_policy(Name="Gone", Type="SERVICE_CONTROL_POLICY", Description="",
                                    Content=minified(LEAVE_DOC))["Policy"]["PolicySummary"]
    aws_rules.racing["DescribePolicy"] = lambda: aws_rules.backend.delete_policy(
        PolicyId=gone["Id"])
    in_sync(path)



def test_a_pruned_policy_another_hand_deleted_first_is_the_state_wanted(tree, org, aws_rules,
                                                                       tmp_path):
    """Prune's DeletePolicy of a policy deleted meanwhile answers PolicyNotFoundException (moto,
    as AWS): what apply wanted is done, and it says so without failing."""
    path = organization_file(tmp_path, [FULL_EVERYWHERE])
    old = org.client.create_policy(Name="Old", Type="SERVICE_CONTROL_POLICY", Description="",
                                   Content=minified(LEAVE_DOC))["Policy"]["PolicySummary"]
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    aws_rules.racing["DeletePolicy"] = lambda: aws_rules.backend.delete_policy(
        PolicyId=old["Id"])
    pruned = write_account(tmp_path / "prune", "prune: true\n"
                           + Path(path).read_text().split("\n", 3)[3])
    assert "- service control policy Old" in applied(pruned).stdout
    in_sync(pruned)



def test_prune_deletes_the_undeclared_but_never_the_ignored_nor_aws_own(tree, org, tmp_path):
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    for name, target in (("ByHand", tree.sandbox), ("guardrail-1", tree.api)):
        made = org.client.create_policy(Name=name, Type="SERVICE_CONTROL_POLICY",
                                        Description="", Content=minified(LEAVE_DOC))
        org.client.attach_policy(PolicyId=made["Policy"]["PolicySummary"]["Id"],
                                 TargetId=target)
    body = "organization: " + json.dumps({"service_control_policies": [
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]}]}) + "\n" \
        "ignore: {service_control_policies: [guardrail-*]}\n"
    listed = iamctl("plan", write_account(tmp_path, body))
    assert "unmanaged service control policies (in the account, not in the file): 2: " \
           "ByHand, FullAWSAccess" in listed.stdout
    pruned = write_account(tmp_path / "prune", "prune: true\n" + body)
    result = applied(pruned)
    # DenyLeave on the root keeps the same deny over the Sandbox: the detach opens nothing.
    assert "- SCP ByHand: detach from ou:Sandbox (1 member account)\n" in result.stdout
    assert "- service control policy ByHand" in result.stdout
    assert set(org.policies()) == {"FullAWSAccess", "DenyLeave", "guardrail-1"}
    assert org.targets("guardrail-1") == {tree.api}
    assert org.targets("FullAWSAccess") == org.nodes()
    in_sync(pruned)


def test_a_saved_plan_applies_every_kind_of_change_as_planned(tree, org, tmp_path):
    """Each change's payload goes through the plan file and back (`iamctl apply PLANFILE`)."""
    saved = str(tmp_path / "plan.json")
    first = organization_file(tmp_path / "1", [
        FULL_EVERYWHERE, {"name": "DenyLeave", "description": "d", "document": LEAVE_DOC,
                          "targets": ["ou:Sandbox"], "tags": {"a": "b"}}],
        [RCP_FULL, {"name": "S3Secure", "document": S3_DOC, "targets": ["root"]}])
    second = organization_file(tmp_path / "2", [
        FULL_EVERYWHERE, {"name": "DenyLeave", "description": "e", "document": REGIONS_DOC,
                          "targets": ["ou:Workloads"], "tags": {"a": "c"}}],
        [RCP_FULL], prefix="prune: true\n")
    for path in (first, second):
        assert iamctl("plan", path, "--out", saved).code == 0
        applied(saved)
        in_sync(path)
    assert "S3Secure" not in org.policies("RESOURCE_CONTROL_POLICY")




def test_a_partial_plan_keeps_the_type_enabled_and_the_attach_that_keeps_a_target_covered(
        tree, org, aws_rules, tmp_path):
    """`--target` keeps a policy's changes and what they cannot succeed without, whatever
    entity that belongs to: an attach needs its type enabled (else AWS answers
    PolicyTypeNotEnabledException half-way); FullAWSAccess detached from ou:Sandbox needs the
    attach of the policy that keeps the Sandbox covered (else ConstraintViolationException).
    AWS's answers come from `AwsRules`: moto would take both."""
    first = organization_file(tmp_path / "1", [
        FULL_EVERYWHERE, {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]}])
    partial = iamctl("apply", first, "--target", "service-control-policy:DenyLeave", "--yes")
    assert partial.code == 0, partial.stdout + partial.stderr
    assert "+ organization root: enable service control policies" in partial.stdout
    assert org.targets("DenyLeave") == {org.root}
    s3_only = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    allow_list = organization_file(tmp_path / "2", [
        {"name": "FullAWSAccess", "aws_managed": True,
         "targets": ["root", "ou:Workloads", "prod-api", "prod-web", "dev", ACCOUNT_ID]},
        {"name": "DenyLeave", "document": LEAVE_DOC, "targets": ["root"]},
        {"name": "S3Only", "document": s3_only, "targets": ["ou:Sandbox"]}])
    partial = iamctl("apply", allow_list, "--target", "service-control-policy:FullAWSAccess",
                     "--yes")
    assert partial.code == 0, partial.stdout + partial.stderr
    assert "+ service control policy S3Only\n" in partial.stdout
    assert "+ SCP S3Only: attach to ou:Sandbox (1 member account) [broadens]" in partial.stdout
    assert org.targets("S3Only") == {tree.sandbox}
    assert tree.sandbox not in org.targets("FullAWSAccess")
    in_sync(allow_list)




def test_the_organisation_is_read_once_for_identity_center_and_both_types(tree, org,
                                                                          aws_rules,
                                                                          tmp_path):
    """Assignments and both policy types resolve their targets in one organisation read: one
    ListRoots, and one listing of each parent's OUs and accounts."""
    sso = boto3.client("sso-admin", region_name="us-east-1")
    instance = sso.list_instances()["Instances"][0]
    sso.create_permission_set(InstanceArn=instance["InstanceArn"], Name="ReadOnly")
    boto3.client("identitystore", region_name="us-east-1").create_group(
        IdentityStoreId=instance["IdentityStoreId"], DisplayName="platform")
    section = {"service_control_policies": [FULL_EVERYWHERE]}
    path = write_account(tmp_path, "organization: " + json.dumps(section) + "\n"
                         "identity_center:\n  assignments:\n"
                         "    - {permission_set: ReadOnly, groups: [platform], accounts: [dev]}\n")
    planned = iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    assert aws_rules.operations().count("ListRoots") == 1
    assert aws_rules.operations().count("ListAccountsForParent") == 3  # root and two OUs


def test_export_reads_the_organisation_once_and_says_once_when_it_sees_none(org, aws_rules,
                                                                           tmp_path):
    """SCPs enabled, RCPs not: the RCPs are left out of the file, and the organisation read
    for them serves the SCPs'. Where these credentials see no organisation, export says so
    once, for both types."""
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    exported = iamctl("export")
    assert exported.code == 0, exported.stderr
    assert "service_control_policies:" in exported.stdout
    assert "resource_control_policies:" not in exported.stdout
    assert aws_rules.operations().count("ListRoots") == 1
    org.client.delete_organization()
    aws_rules.calls.clear()
    unseen = iamctl("export")
    assert unseen.code == 0, unseen.stderr
    assert [line for line in unseen.stderr.splitlines() if "left out" in line] == [
        "export: organization policies left out: read the organisation's root: ListRoots: "
        "AWSOrganizationsNotInUseException: Your account is not a member of an organization."]
    assert aws_rules.operations() == ["ListRoots"]


def test_ignored_policies_count_on_their_targets_both_ways(tree, org, aws_rules, tmp_path):
    """A policy `ignore` names is never managed, but AWS counts it: on ou:Sandbox it keeps the
    OU covered when FullAWSAccess leaves (the plan goes ahead, and AWS takes the detach), and
    four of them on the root leave room for one declared policy only."""
    org.client.enable_policy_type(RootId=org.root, PolicyType="SERVICE_CONTROL_POLICY")
    for name, target in (("guardrail-0", tree.sandbox), *(
            (f"guardrail-{n}", org.root) for n in range(1, 4))):
        made = org.client.create_policy(Name=name, Type="SERVICE_CONTROL_POLICY",
                                        Description="", Content=minified(LEAVE_DOC))
        org.client.attach_policy(PolicyId=made["Policy"]["PolicySummary"]["Id"],
                                 TargetId=target)
    ignoring = "ignore: {service_control_policies: [guardrail-*]}\n"
    allow_list = {"name": "FullAWSAccess", "aws_managed": True,
                  "targets": ["root", "ou:Workloads", "prod-api", "prod-web", "dev", ACCOUNT_ID]}
    covered = organization_file(tmp_path / "1", [allow_list], prefix=ignoring)
    assert "- SCP FullAWSAccess: detach from ou:Sandbox" in applied(covered).stdout
    assert org.targets("guardrail-0") == {tree.sandbox}
    full = organization_file(tmp_path / "2", [allow_list, *(
        {"name": f"Deny{n}", "document": LEAVE_DOC, "targets": ["root"]} for n in range(2))],
        prefix=ignoring)
    refused = iamctl("plan", full)
    assert refused.code == 1
    assert refused.stderr.endswith(
        ": organization.service_control_policies[1].targets: root would hold 6 service "
        "control policies (Deny0, Deny1, FullAWSAccess, guardrail-1, guardrail-2, "
        "guardrail-3); AWS allows 5 per target, those iamctl does not manage included\n")
