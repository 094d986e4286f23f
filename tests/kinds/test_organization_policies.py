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
from pathlib import Path
from typing import Any

import pytest

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
