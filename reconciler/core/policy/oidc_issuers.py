"""OpenID Connect issuers whose tokens a trust policy must tell apart by subject: the data the
trust findings (`trust_findings.py`) read. Pure.

A multi-tenant issuer (GitHub Actions, GitLab.com, HCP Terraform, Buildkite) signs the tokens of
every customer with one key, so only the `sub` claim tells your jobs from a stranger's; an issuer
of one tenant (a CircleCI organization, a Bitbucket workspace, an EKS cluster) signs for every
project, repository or namespace of that tenant. Each entry says how a `sub` naming the tenant
(or, for an issuer of one tenant, the unit below it) begins, as the page in `source` documents;
docs/guides/roles-and-federation.md lists them. An OIDC issuer not listed here needs a `sub`
condition of some kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .trust_conditions import literal_prefix

ANY_REPOSITORY = "any-repository"  # GitHub Actions of any repository
ANY_SUBJECT = "any-subject"  # any other issuer's tokens, whoever they were issued to


@dataclass(frozen=True)
class Issuer:
    """A known issuer: how IAM names its provider, and what a trust must name of its tokens."""

    name: str  # whose tokens: "GitLab.com CI/CD jobs"
    provider: re.Pattern[str]  # the provider as in its ARN, host in lower case
    any_of: str  # what a trust without the condition lets in: "any project"
    tenant: str  # what the `sub` condition must name: "group"
    lead: str  # how every `sub` of the issuer begins
    names_tenant: re.Pattern[str]  # how a `sub` naming one tenant begins
    example: str  # such a `sub`, for the message
    check: str  # the trust finding a `sub` that lets in any tenant raises (trust_findings.py)
    source: str  # where the format is documented
    # Session tags (`aws:RequestTag/NAME`, from the token's tags claim) that name the tenant too.
    tags: tuple[str, ...] = ()

    def matches_any_tenant(self, pattern: str) -> bool:
        """Whether a `sub` pattern lets in tokens of any tenant: its text before the first
        wildcard stops short of naming one (`*`, `repo:*`, `repo:acme*` for GitHub). A pattern
        that no `sub` of the issuer could match (another subject template) lets no one in."""
        prefix = literal_prefix(pattern)
        if prefix == pattern:
            return False  # no wildcard
        if self.lead.startswith(prefix):
            return True
        return prefix.startswith(self.lead) and not self.names_tenant.match(prefix)


ISSUERS = (
    Issuer(
        name="GitHub Actions",
        provider=re.compile(r"token\.actions\.githubusercontent\.com(/[^/]+)?"),
        any_of="any repository", tenant="owner", lead="repo:",
        names_tenant=re.compile(r"repo:[^/]+/"), example="repo:OWNER/REPO:...",
        check=ANY_REPOSITORY,
        source="https://docs.github.com/en/actions/reference/security/oidc",
    ),
    Issuer(
        name="GitLab.com CI/CD jobs",
        provider=re.compile(r"gitlab\.com"),
        any_of="any project", tenant="group", lead="project_path:",
        names_tenant=re.compile(r"project_path:[^/]+/"), example="project_path:GROUP/...",
        check=ANY_SUBJECT,
        source="https://docs.gitlab.com/ci/secrets/id_token_authentication/",
    ),
    Issuer(
        name="HCP Terraform runs",
        provider=re.compile(r"app\.terraform\.io"),
        any_of="any workspace", tenant="organization", lead="organization:",
        names_tenant=re.compile(r"organization:[^:]+:"), example="organization:ORG:...",
        check=ANY_SUBJECT,
        source="https://developer.hashicorp.com/terraform/cloud-docs/workspaces/"
               "dynamic-provider-credentials/workload-identity-tokens",
    ),
    Issuer(
        name="CircleCI jobs",
        provider=re.compile(r"oidc\.circleci\.com/org/[^/]+"),
        any_of="any project of the organization", tenant="project", lead="org/",
        names_tenant=re.compile(r"org/[^/]+/project/[^/]+/"),
        example="org/ORG_ID/project/PROJECT_ID/...",
        check=ANY_SUBJECT,
        source="https://circleci.com/docs/openid-connect-tokens/",
    ),
    Issuer(
        name="Bitbucket Pipelines steps",
        provider=re.compile(r"api\.bitbucket\.org/2\.0/workspaces/[^/]+/pipelines-config/"
                            r"identity/oidc"),
        any_of="any repository of the workspace", tenant="repository", lead="{",
        names_tenant=re.compile(r"\{[^}]+\}"), example="{REPOSITORY_UUID}:...",
        check=ANY_SUBJECT,
        source="https://support.atlassian.com/bitbucket-cloud/docs/"
               "deploy-on-aws-using-bitbucket-pipelines-openid-connect/",
    ),
    Issuer(
        name="Buildkite jobs",
        provider=re.compile(r"agent\.buildkite\.com"),
        any_of="any pipeline", tenant="organization", lead="organization:",
        names_tenant=re.compile(r"organization:[^:]+:"), example="organization:ORG_SLUG:...",
        check=ANY_SUBJECT,
        source="https://buildkite.com/docs/pipelines/security/oidc/aws",
        tags=("organization_slug", "organization_id"),
    ),
    Issuer(
        name="EKS service accounts",
        provider=re.compile(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[A-Za-z0-9]+"),
        any_of="any namespace of the cluster", tenant="namespace",
        lead="system:serviceaccount:",
        names_tenant=re.compile(r"system:serviceaccount:[^:]+:"),
        example="system:serviceaccount:NAMESPACE:NAME",
        check=ANY_SUBJECT,
        source="https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html",
    ),
)


def known_issuer(provider: str) -> Issuer | None:
    """The issuer of an OIDC provider (`gitlab.com`, as in its ARN, host in lower case)."""
    return next((issuer for issuer in ISSUERS if issuer.provider.fullmatch(provider)), None)
