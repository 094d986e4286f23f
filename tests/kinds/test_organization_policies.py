"""Service control and resource control policies (`organization.service_control_policies`,
`.resource_control_policies`): the kind tested in one place. The file's checks through
`iamctl validate`; the diff, its refusals and its plan lines on plain data; plan and apply
through the CLI against moto in process (an organisation made with boto3); the reads' calls.

moto enforces none of AWS's limits here (size, grammar, per-target count, the last SCP, the
type enabled: /work/shared's MOTO-ORG-SERVICES.md): what AWS would refuse is checked in
iamctl, and these tests never take moto's acceptance as proof. Where AWS behaves in a way moto
cannot show (a type PENDING_ENABLE, the last SCP's detach refused, a type not enabled), the
answer is made at the AWS boundary (botocore's Stubber or a before-call hook), and the test
says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.changes import Action, Change, Impact
from reconciler.core.kinds.changes import access_of, phase_of, spec_of
from reconciler.core.kinds.declared import _org_policy_diff
from reconciler.core.kinds.declared._org_policy_diff import PlanRefused
from reconciler.core.kinds.declared._org_policy_model import SCP, OrgPolicy, PolicyContext
from reconciler.core.kinds.declared.service_control_policies import CHANGES as SCP_KINDS
from reconciler.core.organization import OrgAccount, Organization, OrgUnit
from reconciler.core.policy.documents import canonical
from reconciler.core.render.text import change_lines
from reconciler.core.state import Document
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


# The file, offline: `iamctl validate`.


def sized(size: int, statement: dict[str, Any] | None = None) -> dict[str, Any]:
    """A document whose minified JSON (what apply sends) is exactly `size` characters: its
    Resource padded with a bucket name."""
    document = {"Version": "2012-10-17", "Statement": [statement or {
        "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/"}]}
    short = len(json.dumps(document, separators=(",", ":")))
    document["Statement"][0]["Resource"] += "x" * (size - short)
    assert len(json.dumps(document, separators=(",", ":"))) == size
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


def wanted(name: str, document: Document, *refs: str, **fields: Any) -> OrgPolicy:
    """A policy as the file declares it: attached to `refs` (as the file names them)."""
    return OrgPolicy(name, fields.pop("description", ""), document, tuple(refs), **fields)


def scp_diff(desired: list[OrgPolicy], live: list[OrgPolicy], prune: bool = False,
             enabled: bool = True, unmanaged: tuple[OrgPolicy, ...] = (FULL,)) -> list[Change]:
    """The SCP diff: `live` the policies the diff manages, `unmanaged` the others the reader
    read (those `ignore` names, AWS's own): they count on each target all the same."""
    every = {policy.name: policy for policy in (*unmanaged, *live)}
    context = PolicyContext(ORG, enabled, every)
    return _org_policy_diff.diff(SCP, SCP_KINDS, {p.name: p for p in desired},
                                 {p.name: p for p in (*live, *unmanaged)
                                  if not p.name.startswith("ignored")}, context, prune)


def lines(changes: list[Change]) -> list[str]:
    return [line for change in changes for line in change_lines(replace(
        change, impact=access_of(change.kind)(change)[0]))]  # type: ignore[operator]


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
    impacts = [access_of(c.kind)(c)[0] for c in changes]  # type: ignore[operator]
    assert impacts == [Impact.NARROWS, Impact.BROADENS]
    # Where only the management account is reached, no one's ceiling moves.
    (change,) = scp_diff([wanted("DenyLeave", LEAVE, MANAGEMENT), FULL_WANTED], [])[1:]
    assert access_of(change.kind)(change)[0] == Impact.NEUTRAL  # type: ignore[operator]


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
    assert access_of(sid.kind)(sid)[0] == Impact.NEUTRAL  # type: ignore[operator]
    assert not [line for line in lines([sid]) if "deny" in line]


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
