"""AWS's policy size quotas through file loading: a document at the limit loads, one character
more is an error at its place in the file, whether the document is inline or a document_file.

AWS counts characters without whitespace: 6,144 for a managed policy, and for all of one
group's (5,120) or user's (2,048) inline policies together.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config.desired import load
from reconciler.core.errors import ConfigError
from tests.files import write_account


def non_whitespace(text: str) -> int:
    return sum(1 for char in text if not char.isspace())


def document_of_size(size: int, sid: str = "S") -> dict[str, object]:
    """A policy document of exactly `size` characters without whitespace, as AWS counts them."""
    statement = {"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [""]}
    document: dict[str, object] = {"Version": "2012-10-17", "Statement": [statement]}
    padding = size - non_whitespace(json.dumps(document))
    statement["Resource"] = ["arn:aws:s3:::" + "b" * (padding - len("arn:aws:s3:::"))]
    assert non_whitespace(json.dumps(document)) == size
    return document


def write_json(directory: Path, name: str, document: object) -> None:
    # Pretty-printed: whitespace is not counted.
    (directory / name).write_text(json.dumps(document, indent=4))


@pytest.mark.parametrize("as_file", [False, True], ids=["inline", "document_file"])
def test_managed_policy_of_6144_characters_loads_and_6145_does_not(
    tmp_path: Path, as_file: bool
) -> None:
    for size in (6144, 6145):
        if as_file:
            write_json(tmp_path, "p.json", document_of_size(size))
            body = "policies:\n  - name: P\n    document_file: p.json\n"
        else:
            body = f"policies:\n  - name: P\n    document: {json.dumps(document_of_size(size))}\n"
        file = write_account(tmp_path, body)
        if size == 6144:
            assert "P" in load([file])[0].state.policies
            continue
        with pytest.raises(ConfigError) as caught:
            load([file])
        # A wrong file name is pointed at; a mapping that is too large, at its key.
        where = "document_file: p.json: " if as_file else "document: "
        assert str(caught.value) == (
            f"{file}:6:{20 if as_file else 5}: policies[0].{where}"
            "6145 characters without whitespace, more than the 6144 AWS allows"
        )


@pytest.mark.parametrize("kind,limit", [("groups", 5120), ("users", 2048)])
def test_inline_policies_together_up_to_the_quota(tmp_path: Path, kind: str, limit: int) -> None:
    """Two inline policies, one in the YAML and one in a document_file, share the quota."""
    for total in (limit, limit + 1):
        first = 1000
        write_json(tmp_path, "second.json", document_of_size(total - first, sid="Second"))
        body = (
            f"{kind}:\n  - name: someone\n    inline_policies:\n"
            f"      first: {json.dumps(document_of_size(first))}\n"
            "      second: {document_file: second.json}\n"
        )
        file = write_account(tmp_path, body)
        if total == limit:
            [config] = load([file])
            entities = config.state.groups if kind == "groups" else config.state.users
            assert set(entities["someone"].inline_policies) == {"first", "second"}
            continue
        with pytest.raises(ConfigError) as caught:
            load([file])
        assert str(caught.value) == (
            f"{file}:6:5: {kind}[0].inline_policies: inline policies of {kind[:-1]} 'someone' "
            f"total {limit + 1} characters without whitespace, more than the {limit} AWS allows"
        )
