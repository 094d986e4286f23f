"""Refresh reconciler/data/aws_managed_policies.json: what iamctl knows of AWS managed policies.

AWS adds, edits and retires its managed policies every week, so what iamctl knows of them offline
(their names and paths, which hold a Deny, their default versions' documents) is data
with a date, written by this script, never a list kept by hand. Run it deliberately and commit
the result on its own, so a review sees exactly what AWS changed:

    .venv/bin/python scripts/refresh_aws_managed.py --from-aws            # the account in your
                                                                          # AWS profile (read-only)
    .venv/bin/python scripts/refresh_aws_managed.py --from-moto           # the copy moto ships
    .venv/bin/python scripts/refresh_aws_managed.py --from-file dump.json # a saved corpus

A corpus is a mapping of policy name to {"Path", "UpdateDate", "Document"}, the shape of moto's
copy (`moto/iam/aws_managed_policies.py`), which is itself made from ListPolicies and
GetPolicyVersion. The file records its source, the date of its newest policy, and the day it was
refreshed (which `validate` names when it does not know a policy name).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = ROOT / "reconciler" / "data" / "aws_managed_policies.json"

# Policies every corpus of AWS's managed policies has: a corpus without them is not one.
EXPECTED = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")

Corpus = Mapping[str, Mapping[str, Any]]


def statements(document: Mapping[str, Any]) -> list[Any]:
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def holds_a_deny(document: Mapping[str, Any]) -> bool:
    return any(isinstance(s, dict) and s.get("Effect") == "Deny" for s in statements(document))


def as_date(value: Any) -> str:
    """The calendar day of an UpdateDate, whether boto3's datetime or moto's ISO text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date().isoformat()
    return str(value)[:10]


def build(corpus: Corpus, source: str, refreshed: date | None = None) -> dict[str, Any]:
    """The data file's content for a corpus, deterministic for the same input and day."""
    names = sorted(corpus)
    missing = [name for name in EXPECTED if name not in corpus]
    if missing:
        raise SystemExit(f"the corpus lacks {', '.join(missing)}: is it AWS's managed policies?")
    return {
        "source": source,
        "refreshed": (refreshed or date.today()).isoformat(),
        "as_of": max(as_date(corpus[name].get("UpdateDate", "")) for name in names),
        "policies": {
            name: {"path": corpus[name].get("Path", "/"),
                   "deny": holds_a_deny(corpus[name]["Document"])}
            for name in names
        },
        "documents": {name: corpus[name]["Document"] for name in names},
    }


def from_moto() -> tuple[Corpus, str]:
    import moto
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    described = f"moto {moto.__version__}'s copy of AWS's policies"
    return json.loads(aws_managed_policies_data), described


def from_aws() -> tuple[Corpus, str]:
    import boto3

    iam = boto3.client("iam")
    corpus: dict[str, dict[str, Any]] = {}
    for page in iam.get_paginator("list_policies").paginate(Scope="AWS"):
        for policy in page["Policies"]:
            version = iam.get_policy_version(
                PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
            corpus[policy["PolicyName"]] = {
                "Path": policy["Path"], "UpdateDate": policy["UpdateDate"],
                "Document": version["Document"],
            }
    return corpus, "AWS IAM ListPolicies (Scope=AWS) and GetPolicyVersion"


def from_file(path: str) -> tuple[Corpus, str]:
    return json.loads(Path(path).read_text(encoding="utf-8")), f"the corpus file {Path(path).name}"


def write(content: Mapping[str, Any], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # One policy a line: a refresh's diff shows each policy AWS added, removed or changed.
    lines = ["{", f'"source": {json.dumps(content["source"])},',
             f'"refreshed": {json.dumps(content["refreshed"])},',
             f'"as_of": {json.dumps(content["as_of"])},', '"policies": {']
    lines += joined(f"{json.dumps(name)}: {json.dumps(facts, sort_keys=True)}"
                    for name, facts in content["policies"].items())
    lines += ["},", '"documents": {']
    lines += joined(f"{json.dumps(name)}: {json.dumps(document, sort_keys=True)}"
                    for name, document in content["documents"].items())
    lines += ["}", "}"]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def joined(entries: Iterable[str]) -> list[str]:
    items = list(entries)
    return [item + ("," if index < len(items) - 1 else "") for index, item in enumerate(items)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-aws", action="store_true", help="read the account in your profile")
    source.add_argument("--from-moto", action="store_true", help="read the copy moto ships")
    source.add_argument("--from-file", metavar="CORPUS", help="read a saved corpus (JSON)")
    parser.add_argument("--out", type=Path, default=DATA_FILE, help="where to write the data")
    args = parser.parse_args(argv)
    corpus, described = (from_aws() if args.from_aws else from_moto() if args.from_moto
                         else from_file(args.from_file))
    content = build(corpus, described)
    write(content, args.out)
    denies = sum(1 for facts in content["policies"].values() if facts["deny"])
    print(f"{args.out}: {len(content['policies'])} policies ({denies} with a Deny) "
          f"as of {content['as_of']}, from {described}, refreshed {content['refreshed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
