"""ARNs and tags as IAM spells them: built, shortened and converted in one place."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


def policy_arn(partition: str, account_id: str, path: str | None, name: str) -> str:
    """The ARN of a customer managed policy (its path is part of it)."""
    return f"arn:{partition}:iam::{account_id}:policy{path or '/'}{name}"


def is_aws_managed(arn: str) -> bool:
    """Whether the policy ARN is AWS's (`arn:aws:iam::aws:policy/...`): its account is `aws`."""
    return arn.split(":")[4:5] == ["aws"]


def policy_name(arn: str) -> str:
    """A policy's name from its ARN, without its path (`.../policy/team/ci` -> `ci`):
    customer managed policy names are unique in an account whatever their path."""
    return arn.rsplit("/", 1)[-1]


def short_policy(arn: str) -> str:
    """`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess` -> `job-function/ViewOnlyAccess`;
    a customer managed policy -> its name (the path is noise in a plan line)."""
    if ":policy/" not in arn:
        return arn
    return arn.split(":policy/", 1)[1] if is_aws_managed(arn) else policy_name(arn)


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """`{"team": "a"}` -> `[{"Key": "team", "Value": "a"}]`, sorted: what IAM's calls take."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_map(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """IAM's tag list (as its reads return it) -> a mapping."""
    return {tag["Key"]: tag["Value"] for tag in tags}


# Identity providers' ARNs: an OIDC provider is keyed by its URL without `https://` (IAM
# names its ARN that way), a SAML provider by its name.

HTTPS = "https://"


# The issuer of GitHub Actions' OIDC tokens (`trusted_by.github` trusts this provider).
GITHUB_ACTIONS = "token.actions.githubusercontent.com"


def url_key(url: str) -> str:
    """`https://token.actions.githubusercontent.com` -> `token.actions.githubusercontent.com`:
    the part of the URL that IAM puts in the provider's ARN."""
    return url.removeprefix(HTTPS)


# An identity provider's ARN: its fixed part, then an OIDC provider's URL without https:// (host,
# then any path) or a SAML provider's name.
_PROVIDER_ARN = re.compile(r"^(arn:[^:]+:iam::\d{12}:(oidc|saml)-provider/)(.+)$", re.IGNORECASE)


def provider_key(arn: str) -> str:
    """A provider ARN as iamctl compares it wherever it matters who a trust policy names (the
    trust findings, and prune keeping a provider a role trusts): the same key for one provider
    however its ARN is capitalised, except an OIDC provider's path. A host name has no case, a
    SAML provider's name is unique without regard to case (IAM names), and IAM's documentation
    does not say a trust naming the host in other capitals misses the provider; judging such a
    trust and keeping its provider is the side that cannot let a stranger in or break a role."""
    match = _PROVIDER_ARN.match(arn)
    if not match:
        return arn
    fixed, kind, name = match.groups()
    if kind.lower() == "saml":
        return (fixed + name).lower()
    host, slash, path = name.partition("/")
    return f"{fixed.lower()}{host.lower()}{slash}{path}"


def oidc_provider_path(arn: str) -> str | None:
    """`token.actions.githubusercontent.com` for the ARN of that OIDC provider (the host in
    lower case, as `provider_key` compares it); None when `arn` names no OIDC provider."""
    key = provider_key(arn)
    match = _PROVIDER_ARN.match(key)
    if not match or match.group(2) != "oidc":
        return None
    return match.group(3)


def oidc_provider_arn(partition: str, account_id: str, key: str) -> str:
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{key}"


def saml_provider_arn(partition: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:saml-provider/{name}"


# IAM Identity Center makes a role per permission set in each account it is provisioned to:
# `AWSReservedSSO_<set name>_<16 hex digits>`, under the path /aws-reserved/sso.amazonaws.com/.
_SSO_ROLE = re.compile(r"AWSReservedSSO_(.+)_[0-9a-f]{16}")


def identity_center_user(role_name: str | None, session: str | None) -> str | None:
    """The identity-store user signed in, for a session of an IAM Identity Center role (its
    session is named after the user); None for any other credentials."""
    return session if role_name and session and sso_permission_set(role_name) else None


def sso_permission_set(role_name: str) -> str | None:
    """The permission set whose role this is (`PlatformAdmin` for
    `AWSReservedSSO_PlatformAdmin_0123456789abcdef`); None for any other role."""
    found = _SSO_ROLE.fullmatch(role_name)
    return found.group(1) if found else None
