"""The `trusted_by` shorthand of a role (DESIGN.md 9) expanded into the trust policy AWS holds.

Pure. The config layer calls `expand_trusted_by` with the providers the file declares and turns
a `TrustedByError` into `FILE:LINE:COL: roles[i].trusted_by.PATH: message`; the document it
returns goes through `trust.trust_document` like a written `assume_role_policy`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from typing import Any

from .documents import DocumentProblem

VERSION = "2012-10-17"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials asks for
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"  # the AWS sign-in endpoint a SAML IdP posts to
TRUSTED_BY_KEYS = ("services", "accounts", "require_mfa", "github", "saml")
GITHUB_KEYS = ("repository", "branch", "environment", "tag", "pull_request")
_GITHUB_FILTERS = GITHUB_KEYS[1:]
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]+$")  # a DNS name: ec2.amazonaws.com
_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._*?-]+$")  # OWNER/REPO, the repo may glob


class TrustedByError(ValueError):
    """`trusted_by` cannot be expanded: each problem points inside it (e.g. `github[1].branch`)."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def expand_trusted_by(
    trusted_by: Any,
    account_id: str,
    partition: str,
    oidc_provider_arns: Collection[str],
    saml_provider_arns: Collection[str],
) -> dict[str, Any]:
    """The trust policy for `trusted_by`: one statement per kind of principal, in a fixed order,
    values sorted, so the same file always gives the same document (and a stable plan).

    `oidc_provider_arns` and `saml_provider_arns` are the providers the file declares (ARNs, an
    OIDC provider's URL or a SAML provider's name all do). Raises `TrustedByError`.
    """
    problems = trusted_by_problems(trusted_by, oidc_provider_arns, saml_provider_arns)
    if problems:
        raise TrustedByError(problems)
    found = (
        _services_statement(trusted_by),
        _accounts_statement(trusted_by, partition),
        _github_statement(trusted_by, account_id, partition),
        _saml_statement(trusted_by, account_id, partition),
    )
    return {"Version": VERSION, "Statement": [item for item in found if item is not None]}


def _services_statement(trusted_by: dict[str, Any]) -> dict[str, Any] | None:
    services = sorted(set(trusted_by.get("services") or ()))
    if not services:
        return None
    return _statement("Services", {"Service": _one_or_list(services)}, "sts:AssumeRole")


def _accounts_statement(trusted_by: dict[str, Any], partition: str) -> dict[str, Any] | None:
    """Accounts as their root ARN: IAM stores a bare account id that way and shows it back so.
    `require_mfa` makes the other account's users sign in with MFA before they switch."""
    accounts = sorted(set(trusted_by.get("accounts") or ()))
    if not accounts:
        return None
    arns = [f"arn:{partition}:iam::{account}:root" for account in accounts]
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    condition = mfa if trusted_by.get("require_mfa") else None
    return _statement("Accounts", {"AWS": _one_or_list(arns)}, "sts:AssumeRole", condition)


def _github_statement(
    trusted_by: dict[str, Any], account_id: str, partition: str
) -> dict[str, Any] | None:
    """GitHub Actions through the account's OIDC provider, with the two conditions GitHub and
    AWS document: the audience the AWS action asks for, and the job's `sub` claim."""
    entries = trusted_by.get("github") or ()
    if not entries:
        return None
    subjects = sorted({github_subject(entry) for entry in entries})
    audience, subject = f"{GITHUB_OIDC_HOST}:aud", f"{GITHUB_OIDC_HOST}:sub"
    condition: dict[str, dict[str, Any]] = {"StringEquals": {audience: GITHUB_AUDIENCE}}
    # StringEquals would compare a `*` as a character: a pattern needs StringLike.
    operator = "StringLike" if any(_is_pattern(value) for value in subjects) else "StringEquals"
    condition.setdefault(operator, {})[subject] = _one_or_list(subjects)
    provider = f"arn:{partition}:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"
    return _statement(
        "GitHubActions", {"Federated": provider}, "sts:AssumeRoleWithWebIdentity", condition
    )


def github_subject(entry: dict[str, Any]) -> str:
    """The `sub` claim of a job's token, in the forms GitHub documents (OpenID Connect reference).

    A job that names an environment gets the environment form and not the branch form, so a
    role for a deployment job trusts `environment`, not `branch`."""
    repository = f"repo:{entry['repository']}"
    if "branch" in entry:
        return f"{repository}:ref:refs/heads/{entry['branch']}"
    if "tag" in entry:
        return f"{repository}:ref:refs/tags/{entry['tag']}"
    if "environment" in entry:
        return f"{repository}:environment:{entry['environment']}"
    return f"{repository}:pull_request"


def _saml_statement(
    trusted_by: dict[str, Any], account_id: str, partition: str
) -> dict[str, Any] | None:
    """A SAML provider's users, through the AWS sign-in endpoint (the audience AWS documents)."""
    names = sorted(set(_as_list(trusted_by.get("saml"))))
    if not names:
        return None
    arns = [f"arn:{partition}:iam::{account_id}:saml-provider/{name}" for name in names]
    condition = {"StringEquals": {"SAML:aud": SAML_AUDIENCE}}
    return _statement(
        "SAML", {"Federated": _one_or_list(arns)}, "sts:AssumeRoleWithSAML", condition
    )


def _statement(
    sid: str, principal: dict[str, Any], action: str, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A statement with a Sid naming what it trusts, which plans and findings show."""
    result: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Principal": principal,
                              "Action": action}
    if condition:
        result["Condition"] = condition
    return result


def _one_or_list(values: list[str]) -> str | list[str]:
    """One value as a string, as AWS shows it back; several as a sorted list."""
    return values[0] if len(values) == 1 else values


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_pattern(value: str) -> bool:
    return "*" in value or "?" in value


def trusted_by_problems(
    trusted_by: Any, oidc_provider_arns: Collection[str], saml_provider_arns: Collection[str]
) -> list[DocumentProblem]:
    """Why `trusted_by` cannot be expanded, each at its path inside `trusted_by`."""
    if not isinstance(trusted_by, dict):
        return [DocumentProblem((), "must be a mapping (services, accounts, github, saml)")]
    problems = [
        DocumentProblem((key,), f"unknown key (allowed: {', '.join(TRUSTED_BY_KEYS)})")
        for key in trusted_by
        if key not in TRUSTED_BY_KEYS
    ]
    if not any(trusted_by.get(key) for key in ("services", "accounts", "github", "saml")):
        problems.append(DocumentProblem((), "trusts no one: give services, accounts, github "
                                            "or saml"))
    problems += _list_problems(trusted_by, "services", _is_service,
                               "not a service principal (like ec2.amazonaws.com)")
    problems += _list_problems(trusted_by, "accounts", _is_account_id,
                               "not a 12-digit account id in quotes (YAML reads an unquoted "
                               "number, and drops a leading 0)")
    problems += _mfa_problems(trusted_by)
    problems += _github_problems(trusted_by.get("github"), provider_names(oidc_provider_arns))
    problems += _saml_problems(trusted_by.get("saml"), provider_names(saml_provider_arns))
    return problems


def provider_names(providers: Collection[str]) -> set[str]:
    """Declared providers as IAM names them in ARNs: `token.actions.githubusercontent.com` for
    an OIDC provider (its URL without `https://`), `okta` for a SAML provider."""
    names = set()
    for provider in providers:
        name = re.sub(r"^arn:[^:]+:iam::\d*:(oidc|saml)-provider/", "", provider)
        names.add(name.removeprefix("https://").rstrip("/"))
    return names


def _list_problems(
    trusted_by: dict[str, Any], key: str, valid: Callable[[Any], bool], message: str
) -> list[DocumentProblem]:
    value = trusted_by.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        return [DocumentProblem((key,), "must be a list")]
    return [DocumentProblem((key, index), message)
            for index, item in enumerate(value) if not valid(item)]


def _is_service(value: Any) -> bool:
    return isinstance(value, str) and bool(_SERVICE.match(value))


def _is_account_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ACCOUNT_ID.match(value))


def _mfa_problems(trusted_by: dict[str, Any]) -> list[DocumentProblem]:
    mfa = trusted_by.get("require_mfa")
    if mfa is not None and not isinstance(mfa, bool):
        return [DocumentProblem(("require_mfa",), "must be true or false")]
    if mfa and not trusted_by.get("accounts"):
        return [DocumentProblem(("require_mfa",), "applies to the principals of accounts: "
                                                  "give accounts, or leave it out")]
    return []


def _github_problems(entries: Any, oidc_providers: set[str]) -> list[DocumentProblem]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [DocumentProblem(("github",), "must be a list of {repository, branch | "
                                             "environment | tag | pull_request}")]
    problems = [
        DocumentProblem(("github", index) + where, message)
        for index, entry in enumerate(entries)
        for where, message in _github_entry_problems(entry)
    ]
    if entries and GITHUB_OIDC_HOST not in oidc_providers:
        problems.append(DocumentProblem(("github",), "needs the OIDC provider of GitHub Actions: "
                                        "declare it in oidc_providers (url: "
                                        f"https://{GITHUB_OIDC_HOST})"))
    return problems


def _github_entry_problems(entry: Any) -> list[tuple[tuple[str | int, ...], str]]:
    if not isinstance(entry, dict):
        return [((), "must be a mapping {repository, branch | environment | tag | pull_request}")]
    problems: list[tuple[tuple[str | int, ...], str]] = [
        ((key,), f"unknown key (allowed: {', '.join(GITHUB_KEYS)})")
        for key in entry if key not in GITHUB_KEYS
    ]
    problems += _repository_problems(entry.get("repository"))
    given = [key for key in _GITHUB_FILTERS if key in entry]
    if not given:
        problems.append(((), "give one of branch, environment, tag or pull_request: true"))
    elif len(given) > 1:
        problems.append(((), f"gives {' and '.join(given)}: give only one (a job's token names "
                             "one: the environment when the job has one, else the ref)"))
    for key in given:
        problems += _github_filter_problems(key, entry[key])
    return problems


def _repository_problems(repository: Any) -> list[tuple[tuple[str | int, ...], str]]:
    if repository is None:
        return [((), "missing repository (OWNER/REPO)")]
    if not isinstance(repository, str) or not _REPOSITORY.match(repository):
        return [(("repository",), "must be OWNER/REPO (the owner exact: a wildcard there would "
                                  "let repositories of any GitHub account assume the role)")]
    return []


def _github_filter_problems(key: str, value: Any) -> list[tuple[tuple[str | int, ...], str]]:
    if key == "pull_request":
        return [] if value is True else [((key,), "must be true (or left out)")]
    if not isinstance(value, str) or not value:
        return [((key,), "must be a name in quotes (a string)")]
    return []


def _saml_problems(saml: Any, declared: set[str]) -> list[DocumentProblem]:
    names = _as_list(saml)
    known = ", ".join(sorted(declared)) or "none"
    return [
        DocumentProblem(("saml", index) if isinstance(saml, list) else ("saml",),
                        f"{json.dumps(name)} is not a declared SAML provider "
                        f"(saml_providers: {known})")
        for index, name in enumerate(names)
        if not isinstance(name, str) or name not in declared
    ]
