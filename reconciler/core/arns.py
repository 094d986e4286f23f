"""ARNs and tags as IAM spells them: built, shortened and converted in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def policy_arn(partition: str, account_id: str, path: str | None, name: str) -> str:
    """The ARN of a customer managed policy (its path is part of it)."""
    return f"arn:{partition}:iam::{account_id}:policy{path or '/'}{name}"


def short_policy(arn: str) -> str:
    """`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess` -> `job-function/ViewOnlyAccess`;
    a customer managed policy -> its name (the path is noise in a plan line)."""
    if ":policy/" not in arn:
        return arn
    account, path_name = arn.split(":")[4], arn.split(":policy/", 1)[1]
    return path_name if account == "aws" else path_name.rsplit("/", 1)[-1]


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """`{"team": "a"}` -> `[{"Key": "team", "Value": "a"}]`, sorted: what IAM's calls take."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_map(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """IAM's tag list (as its reads return it) -> a mapping."""
    return {tag["Key"]: tag["Value"] for tag in tags}
