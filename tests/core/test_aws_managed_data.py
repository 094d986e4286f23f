"""What iamctl knows of AWS managed policies offline: data with a date, written by a script."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.policy import aws_managed
from tests.files import REPO_ROOT

ROOT = REPO_ROOT
SCRIPT = ROOT / "scripts" / "refresh_aws_managed.py"


def policy(path: str, updated: str, *statements: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return {"Path": path, "UpdateDate": updated, "Document": document}


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
CORPUS = {
    "AdministratorAccess": policy("/", "2015-02-06T18:39:46+00:00", ALLOW_ALL),
    "PowerUserAccess": policy("/", "2023-07-06T22:04:00+00:00",
                              {**ALLOW_ALL, "Action": None, "NotAction": "iam:*"}),
    "IAMFullAccess": policy("/", "2024-01-25T19:11:32+00:00", {**ALLOW_ALL, "Action": "iam:*"}),
    "AssuranceServiceRolePolicy": policy(
        "/aws-service-role/", "2026-11-02T10:00:00+00:00", ALLOW_ALL,
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
    # A single statement not in a list, as some of AWS's documents have it.
    "SingleStatementDeny": policy("/service-role/", "2019-01-01T00:00:00+00:00",
                                  {"Effect": "Deny", "Action": "*", "Resource": "*"}),
}


def refresh(tmp_path: Path, corpus: dict[str, Any]) -> dict[str, Any]:
    source, out = tmp_path / "corpus.json", tmp_path / "data.json"
    source.write_text(json.dumps(corpus))
    done = subprocess.run([sys.executable, str(SCRIPT), "--from-file", str(source), "--out",
                           str(out)], capture_output=True, text=True, check=True)
    assert "5 policies (2 with a Deny) as of 2026-11-02" in done.stdout
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


@pytest.mark.process
def test_the_script_records_each_policy_its_deny_and_the_date_of_its_newest(
        tmp_path: Path) -> None:
    data = refresh(tmp_path, CORPUS)
    assert data["as_of"] == "2026-11-02"
    assert data["refreshed"] == date.today().isoformat()  # what `validate` names when unsure
    assert data["source"] == "the corpus file corpus.json"
    assert data["policies"]["AssuranceServiceRolePolicy"] == {
        "path": "/aws-service-role/", "deny": True}
    assert data["policies"]["SingleStatementDeny"]["deny"] is True
    assert data["policies"]["AdministratorAccess"] == {"path": "/", "deny": False}
    assert data["documents"]["AdministratorAccess"]["Statement"] == [ALLOW_ALL]
    assert sorted(data["documents"]) == sorted(CORPUS)


@pytest.mark.process
def test_a_refresh_of_the_same_corpus_writes_the_same_bytes(tmp_path: Path) -> None:
    refresh(tmp_path, CORPUS)
    first = (tmp_path / "data.json").read_bytes()
    refresh(tmp_path, dict(reversed(list(CORPUS.items()))))
    assert (tmp_path / "data.json").read_bytes() == first


@pytest.mark.process
def test_a_corpus_without_the_policies_judged_by_document_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "corpus.json"
    source.write_text(json.dumps({"SomethingElse": CORPUS["SingleStatementDeny"]}))
    done = subprocess.run([sys.executable, str(SCRIPT), "--from-file", str(source), "--out",
                           str(tmp_path / "data.json")], capture_output=True, text=True)
    assert done.returncode != 0 and "lacks AdministratorAccess" in done.stderr
    assert not (tmp_path / "data.json").exists()


def test_the_shipped_data_says_where_it_comes_from_and_when() -> None:
    assert aws_managed.data().as_of[:2] == "20" and len(aws_managed.data().as_of) == 10
    assert " as of " in aws_managed.source()
    assert aws_managed.holds_deny("AWSDenyAll") is True
    assert aws_managed.holds_deny("ReadOnlyAccess") is False
    assert aws_managed.holds_deny("NotAPolicyAwsPublished") is None
    assert aws_managed.document("AdministratorAccess") == {
        "Version": "2012-10-17", "Statement": [ALLOW_ALL]}
    assert aws_managed.data().paths["AWSServiceRoleForAmazonEKSNodegroup"] == "/aws-service-role/"
