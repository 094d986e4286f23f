"""What the file means is what reaches AWS: an unquoted scalar that YAML reads as something other
than its text is an error where a string or a whole number is meant, never a mangled value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config.desired import load
from reconciler.core.errors import ConfigError
from reconciler.core.policy.documents import as_dict

HEADER = 'version: 1\naccount:\n  id: "123456789012"\n'
CONDITION_AT = 'policies[0].document.Statement[0].Condition.StringEquals["aws:PrincipalAccount"]'


def condition_file(value: str) -> str:
    """A policy whose Condition value is `value` exactly as written, on line 11."""
    return HEADER + (
        "policies:\n"
        "  - name: P\n"
        "    document:\n"
        '      Version: "2012-10-17"\n'
        "      Statement:\n"
        '        - {Effect: Deny, Action: "*", Resource: "*",\n'
        "           Condition: {StringEquals: {aws:PrincipalAccount: "
        + value
        + "}}}\n"
    )


def load_error(tmp_path: Path, text: str) -> ConfigError:
    file = tmp_path / "account.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load([str(file)])
    assert "\n" not in str(caught.value)
    return caught.value


def condition_value(tmp_path: Path, value: str) -> object:
    file = tmp_path / "account.yaml"
    file.write_text(condition_file(value), encoding="utf-8")
    [config] = load([str(file)])
    # As IAM reads it: condition values are strings, and a lone value is a one-item list.
    document = as_dict(config.state.policies["P"].document)
    return document["Statement"][0]["Condition"]["StringEquals"]["aws:principalaccount"]


def test_the_octal_account_id_of_the_review_is_refused_with_the_quoted_form(
    tmp_path: Path,
) -> None:
    text = condition_file("012345670123")
    error = load_error(tmp_path, text)
    column = text.splitlines()[9].index("012345670123") + 1
    assert str(error) == (
        f"{tmp_path / 'account.yaml'}:10:{column}: {CONDITION_AT}: YAML 1.1 reads unquoted "
        '012345670123 as the number 1402433619; write "012345670123"'
    )


MISREAD = {
    "octal": ("012345670123", "as the number 1402433619"),
    "NO": ("NO", "as the boolean false"),
    "True": ("True", "as the boolean true"),
    "yes": ("yes", "as the boolean true"),
    "on": ("on", "as the boolean true"),
    "y (YAML 1.1 specification)": ("y", "as the boolean true"),
    "tilde": ("~", "as null"),
    "null": ("null", "as null"),
    "hexadecimal": ("0x1F", "as the number 31"),
    "underscores": ("1_000", "as the number 1000"),
    "plus sign": ("+1", "as the number 1"),
    "leading zero": ("010", "as the number 8"),
    "leading zero, not octal (YAML 1.2)": ("012345678901", "YAML 1.2 reads"),
    "exponent (YAML 1.2)": ("1e3", "YAML 1.2 reads unquoted 1e3 as the number 1000.0"),
    "0o octal (YAML 1.2)": ("0o17", "YAML 1.2 reads unquoted 0o17 as the number 15"),
    "infinity": (".inf", "as the number inf"),
    "sexagesimal": ("12:30:00", "as the number 45000"),
    "trailing zero": ("1.50", "as the number 1.5"),
}


@pytest.mark.parametrize("text,reading", MISREAD.values(), ids=list(MISREAD))
def test_condition_value_that_yaml_reads_otherwise_is_refused(
    tmp_path: Path, text: str, reading: str
) -> None:
    message = load_error(tmp_path, condition_file(text)).message
    assert reading in message
    assert message.endswith(f"; write {json.dumps(text)}")


def test_empty_condition_value_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, condition_file("")).message
    assert message == 'YAML reads an empty value as null; write a value, or "" for an empty string'


@pytest.mark.parametrize(
    "text,sent",
    [
        ("true", "true"),
        ("false", "false"),
        ("3600", "3600"),
        ("-1", "-1"),
        ("0", "0"),
        ("1.5", "1.5"),
        ('"012345670123"', "012345670123"),
        ("'NO'", "NO"),
        ("2012-10-17", "2012-10-17"),  # a YAML 1.1 date, kept as its text
        ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"),
        ("yesterday", "yesterday"),
    ],
)
def test_values_that_read_as_their_text_reach_the_document_as_written(
    tmp_path: Path, text: str, sent: str
) -> None:
    assert condition_value(tmp_path, text) == [sent]


def document_with(statement: str) -> str:
    return HEADER + (
        "policies:\n  - name: P\n    document:\n"
        f'      Version: "2012-10-17"\n      Statement:\n        - {statement}\n'
    )


@pytest.mark.parametrize(
    "text,field",
    [
        (
            document_with("{Sid: 1e3, Effect: Allow, Action: '*', Resource: '*'}"),
            "policies[0].document.Statement[0].Sid",
        ),
        (
            document_with("{Effect: Allow, Action: ['s3:GetObject', 0x1], Resource: '*'}"),
            "policies[0].document.Statement[0].Action[1]",
        ),
        (
            document_with("{Effect: Allow, Action: '*', Resource: ~}"),
            "policies[0].document.Statement[0].Resource",
        ),
        (
            document_with("{Effect: Allow, Action: '*', NotResource: [NO]}"),
            "policies[0].document.Statement[0].NotResource[0]",
        ),
        (
            HEADER + "users:\n  - name: a\n    inline_policies:\n      p:\n"
            "        Version: '2012-10-17'\n        Statement: {Effect: Allow, Action: '*',"
            " Resource: '*', Condition: {DateLessThan: {aws:CurrentTime: 12:30:00}}}\n",
            'users[0].inline_policies.p.Statement.Condition.DateLessThan["aws:CurrentTime"]',
        ),
        (HEADER + "users:\n  - name: a\n    tags: {country: NO}\n", "users[0].tags.country"),
        (HEADER + "users:\n  - name: off\n", "users[0].name"),
        (HEADER + "groups:\n  - name: 0x10\n", "groups[0].name"),
        (
            HEADER + "policies:\n  - {name: P, description: 12:30, document_file: p.json}\n",
            "policies[0].description",
        ),
        (HEADER + "ignore: {users: [No]}\n", "ignore.users[0]"),
        (HEADER + "users:\n  - {name: a, groups: [010]}\n", "users[0].groups[0]"),
        (HEADER + "users:\n  - {name: a, policies: [1e3]}\n", "users[0].policies[0]"),
        (HEADER + "users:\n  - {name: a, mfa: on}\n", "users[0].mfa"),
    ],
)
def test_every_string_field_refuses_a_misread_scalar(tmp_path: Path, text: str, field: str) -> None:
    error = load_error(tmp_path, text)
    assert error.field == field
    assert "reads unquoted" in error.message and "; write " in error.message


WHOLE_NUMBERS = {
    "octal": ("minimum_length: 014", "as the number 12; write plain decimal digits, e.g. 14"),
    "hexadecimal": ("minimum_length: 0x0E", "as the number 14; write plain decimal digits"),
    "underscore": ("max_age_days: 1_0", "as the number 10; write plain decimal digits, e.g. 10"),
    "plus": ("reuse_prevention: +5", "write plain decimal digits, e.g. 5"),
    "sexagesimal": ("max_age_days: 1:30", "as the number 90; write plain decimal digits, e.g. 90"),
    "fraction zero": ("minimum_length: 14.0", "write plain decimal digits, e.g. 14"),
}


@pytest.mark.parametrize("line,expected", WHOLE_NUMBERS.values(), ids=list(WHOLE_NUMBERS))
def test_whole_number_fields_take_plain_decimal_digits(
    tmp_path: Path, line: str, expected: str
) -> None:
    error = load_error(tmp_path, HEADER + f"  password_policy:\n    {line}\n")
    assert error.field == f"account.password_policy.{line.split(':')[0]}"
    assert expected in error.message
    assert (error.location.line, error.location.column) == (5, len(line.split(":")[0]) + 7)


def test_access_keys_in_octal_is_refused(tmp_path: Path) -> None:
    error = load_error(tmp_path, HEADER + "users:\n  - {name: a, access_keys: 01}\n")
    assert error.field == "users[0].access_keys"


def test_booleans_and_plain_numbers_where_they_are_meant(tmp_path: Path) -> None:
    file = tmp_path / "account.yaml"
    file.write_text(
        HEADER + "  password_policy: {minimum_length: 14, require_symbols: true}\n"
        "users:\n  - {name: a, console: false, access_keys: 0}\nprune: false\n"
    )
    [config] = load([str(file)])
    policy = config.state.account.password_policy
    assert policy is not None and policy.minimum_length == 14
    assert type(policy.minimum_length) is int
    assert config.state.users["a"].access_keys == 0


def test_anchors_merged_into_a_document_are_checked_where_they_land(tmp_path: Path) -> None:
    text = HEADER + (
        "x-cond: &cond {StringEquals: {aws:PrincipalAccount: 012345670123}}\n"
        "policies:\n  - name: P\n    document:\n      Version: '2012-10-17'\n"
        "      Statement: [{Effect: Deny, Action: '*', Resource: '*', Condition: *cond}]\n"
    )
    error = load_error(tmp_path, text)
    assert error.field == CONDITION_AT
    assert error.location.line == 4  # where the value is written, in the anchor


def test_extension_fields_are_not_checked(tmp_path: Path) -> None:
    file = tmp_path / "account.yaml"
    file.write_text(HEADER + "x-notes: {since: 012, ok: yes}\n")
    assert load([str(file)])[0].account_id == "123456789012"


def test_an_unknown_field_is_reported_as_unknown(tmp_path: Path) -> None:
    error = load_error(tmp_path, HEADER + "users:\n  - {name: a, consol: yes}\n")
    assert "unknown field 'consol'" in error.message


@pytest.mark.parametrize("number", ["1e3", "1.50", "0.1", "10", "-0"])
def test_numbers_in_a_document_file_reach_aws_as_written(tmp_path: Path, number: str) -> None:
    (tmp_path / "p.json").write_text(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",'
        f' "Resource": "*", "Condition": {{"NumericLessThan": {{"s3:max-keys": {number}}}}}}}}}'
    )
    file = tmp_path / "account.yaml"
    file.write_text(HEADER + "policies: [{name: P, document_file: p.json}]\n")
    [config] = load([str(file)])
    # The text apply sends holds the number as the file wrote it, as a string (IAM's type for
    # condition values), never re-formatted by a float (1e3 -> 1000.0).
    condition = json.loads(config.state.policies["P"].document.text)["Statement"]["Condition"]
    assert condition == {"NumericLessThan": {"s3:max-keys": number}}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path: Path, constant: str) -> None:
    (tmp_path / "p.json").write_text(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",'
        f' "Resource": "*", "Condition": {{"NumericLessThan": {{"s3:max-keys": {constant}}}}}}}}}'
    )
    file = tmp_path / "account.yaml"
    file.write_text(HEADER + "policies: [{name: P, document_file: p.json}]\n")
    with pytest.raises(ConfigError) as caught:
        load([str(file)])
    assert caught.value.field == "policies[0].document_file"
    assert caught.value.message == (
        'p.json: Statement.Condition.NumericLessThan["s3:max-keys"]: not valid JSON: '
        "NaN and Infinity are not JSON numbers"
    )
