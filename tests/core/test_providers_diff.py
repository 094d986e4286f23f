"""What a plan does about identity providers, decided on plain data: the diff of declared ones,
prune and the unmanaged list for the others, and how each change reads in a plan."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.kinds.changes import phase_of
from reconciler.core.kinds.spec import Phase
from reconciler.core.payloads import OidcProviderSpec, SamlProviderSpec
from reconciler.core.plan.plan import make_plan, order_changes
from reconciler.core.render.text import change_lines, render_text
from reconciler.core.state import Account, Document, Ignore, OidcProvider, Role, SamlProvider, State
from tests.provider_factories import GITHUB, GITHUB_ARN, OKTA_ARN, THUMB_A, THUMB_B, saml_metadata

ACCOUNT = Account("123456789012")
METADATA = saml_metadata().strip()
ROTATED = saml_metadata(certificate="B").strip()


def desired(*providers: OidcProvider | SamlProvider, **settings: object) -> State:
    return State(
        ACCOUNT,
        oidc_providers={p.url: p for p in providers if isinstance(p, OidcProvider)},
        saml_providers={p.name: p for p in providers if isinstance(p, SamlProvider)},
        **settings,  # type: ignore[arg-type]
    )


def github(**fields: object) -> OidcProvider:
    values: dict[str, object] = {"client_ids": frozenset({"sts.amazonaws.com"}), **fields}
    return OidcProvider(GITHUB, **values)  # type: ignore[arg-type]


def live_github(**fields: object) -> OidcProvider:
    values: dict[str, object] = {"thumbprints": frozenset({THUMB_A}), "tags": {}, **fields}
    return replace(github(**values), arn=GITHUB_ARN)


def okta(metadata: str = METADATA, **fields: object) -> SamlProvider:
    return SamlProvider("okta", metadata, **fields)  # type: ignore[arg-type]


def live_okta(metadata: str = METADATA, **fields: object) -> SamlProvider:
    return replace(okta(metadata, **{"tags": {}, **fields}), arn=OKTA_ARN)


def changes(wanted: State, live: State) -> list[Change]:
    return list(diff(wanted, live).changes)


def lines(wanted: State, live: State) -> list[str]:
    return [line for change in order_changes(changes(wanted, live))
            for line in change_lines(change)]


def test_a_new_oidc_provider_is_one_creation_with_everything_in_it():
    wanted = desired(github(thumbprints=frozenset({THUMB_B, THUMB_A}), tags={"team": "ci"}))
    (created,) = changes(wanted, desired())
    assert created == Change(
        Action.CREATE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN,
        after=OidcProviderSpec(f"https://{GITHUB}", ("sts.amazonaws.com",),
                               tuple(sorted([THUMB_A, THUMB_B])), {"team": "ci"}),
    )
    assert lines(wanted, desired()) == [
        f"+ OIDC provider {GITHUB}",
        "      client ids: sts.amazonaws.com",
        f"      thumbprints: {', '.join(sorted([THUMB_A, THUMB_B]))}",
        "      tags: team=ci",
    ]


def test_thumbprints_left_out_are_left_out_of_the_creation_and_then_to_aws():
    (created,) = changes(desired(github()), desired())
    assert isinstance(created.after, OidcProviderSpec) and created.after.thumbprints is None
    # AWS gave the new provider a thumbprint of its own: not a change.
    assert changes(desired(github()), desired(live_github(thumbprints=frozenset({THUMB_B})))) == []


def test_client_ids_are_exact_added_before_removed():
    wanted = desired(github(client_ids=frozenset({"sts.amazonaws.com", "app"})))
    live = desired(live_github(client_ids=frozenset({"sts.amazonaws.com", "old", "older"})))
    found = order_changes(changes(wanted, live))
    assert found == (
        Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN, after="app"),
        Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN, before="old"),
        Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN, before="older"),
    )
    assert phase_of(found[0]) < phase_of(found[1])  # never a moment with neither
    assert lines(wanted, live)[0] == f"+ OIDC provider {GITHUB}: add client id app"
    assert lines(wanted, live)[1] == f"- OIDC provider {GITHUB}: remove client id old"


def test_managed_thumbprints_are_exact():
    wanted = desired(github(thumbprints=frozenset({THUMB_B})))
    live = desired(live_github(thumbprints=frozenset({THUMB_A, THUMB_B})))
    (update,) = changes(wanted, live)
    assert update == Change(Action.UPDATE, ChangeKind.OIDC_THUMBPRINTS, GITHUB, target=GITHUB_ARN,
                            before=sorted([THUMB_A, THUMB_B]), after=[THUMB_B])
    assert changes(wanted, desired(live_github(thumbprints=frozenset({THUMB_B})))) == []


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        (None, {"a": "1"}, None),  # absent: left alone
        ({}, {"a": "1"}, ({"a": "1"}, {})),
        ({"a": "2"}, {"a": "1"}, ({"a": "1"}, {"a": "2"})),
        ({"a": "1"}, {"a": "1"}, None),
    ],
)
def test_provider_tags_once_managed_are_exact(wanted, current, expected):
    oidc = changes(desired(github(tags=wanted)), desired(live_github(tags=current)))
    saml = changes(desired(okta(tags=wanted)), desired(live_okta(tags=current)))
    if expected is None:
        assert oidc == saml == []
        return
    assert oidc == [Change(Action.UPDATE, ChangeKind.OIDC_PROVIDER_TAGS, GITHUB, target=GITHUB_ARN,
                           before=expected[0], after=expected[1])]
    assert saml == [Change(Action.UPDATE, ChangeKind.SAML_PROVIDER_TAGS, "okta", target=OKTA_ARN,
                           before=expected[0], after=expected[1])]


def test_a_new_saml_provider_and_its_plan_line_show_a_digest_not_the_document():
    (created,) = changes(desired(okta(tags={"idp": "okta"})), desired())
    assert created == Change(Action.CREATE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN,
                             after=SamlProviderSpec(METADATA, {"idp": "okta"}))
    (line,) = change_lines(created)
    assert line.startswith("+ SAML provider okta (metadata sha256:")
    assert len(line) < 80


def test_changed_metadata_is_one_update_shown_as_two_digests():
    (update,) = changes(desired(okta(ROTATED)), desired(live_okta()))
    assert update == Change(Action.UPDATE, ChangeKind.SAML_METADATA, "okta", target=OKTA_ARN,
                            before=METADATA, after=ROTATED)
    (line,) = change_lines(update)
    digest = line.split("(", 1)[1]
    assert line.startswith("~ SAML provider okta: metadata changed (sha256:")
    old, new = digest.rstrip(")").split(" -> ")
    assert old != new and len(old) == len(new) == len("sha256:") + 12
    assert "EntityDescriptor" not in render_text(make_plan(desired(okta(ROTATED)),
                                                           desired(live_okta()),
                                                           diff(desired(okta(ROTATED)),
                                                                desired(live_okta()))))


def test_metadata_equal_as_text_is_no_change():
    assert changes(desired(okta()), desired(live_okta())) == []


# What the file does not declare.

LIVE = desired(
    live_github(),
    replace(live_github(), url="oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            arn="arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
    live_okta(),
)


def test_without_prune_undeclared_providers_are_listed_as_unmanaged():
    result = diff(desired(), LIVE)
    assert result.changes == ()
    assert result.unmanaged == {
        "oidc providers": ("oidc.eks.eu-west-1.amazonaws.com/id/ABC", GITHUB),
        "saml providers": ("okta",),
    }
    text = render_text(make_plan(desired(), LIVE, result))
    assert "unmanaged oidc providers (in the account, not in the file): 2:" in text
    assert "unmanaged saml providers (in the account, not in the file): 1: okta" in text


def test_prune_deletes_undeclared_providers_last_but_not_ignored_ones():
    ignore = Ignore(oidc_providers=("OIDC.EKS.*",))  # without regard to case
    result = diff(desired(github(), prune=True, ignore=ignore), LIVE)
    deletions = order_changes(result.changes)
    assert deletions == (
        Change(Action.DELETE, ChangeKind.SAML_PROVIDER, "okta", target=OKTA_ARN),
    )
    assert phase_of(deletions[0]) == Phase.DELETE_PROVIDERS
    assert change_lines(deletions[0]) == ["- SAML provider okta"]
    everything = diff(desired(prune=True), LIVE).changes
    assert {c.name for c in everything if c.kind == ChangeKind.OIDC_PROVIDER} == {
        GITHUB, "oidc.eks.eu-west-1.amazonaws.com/id/ABC"}


def test_ignored_providers_are_neither_listed_nor_pruned():
    ignore = Ignore(oidc_providers=("oidc.eks.*", GITHUB), saml_providers=("ok*",))
    assert diff(desired(ignore=ignore), LIVE).unmanaged == {}
    assert diff(desired(ignore=ignore, prune=True), LIVE).changes == ()


def test_providers_are_created_before_roles_and_deleted_after_everything():
    creation = Change(Action.CREATE, ChangeKind.OIDC_PROVIDER, GITHUB)
    assert Phase.USERS < phase_of(creation) == Phase.PROVIDERS < Phase.ROLES
    for kind in (ChangeKind.OIDC_PROVIDER, ChangeKind.SAML_PROVIDER):
        assert phase_of(Change(Action.DELETE, kind, "x")) == max(
            value for name, value in vars(Phase).items() if name.isupper())


def trusting(name: str, provider_arn: str) -> Role:
    text = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity"}]})
    return Role(name, path="/", trust=Document(text, text))


def test_prune_keeps_a_provider_a_staying_role_trusts_and_says_why():
    live = replace(LIVE, roles={"cdk-deploy": trusting("cdk-deploy", GITHUB_ARN)})
    kept = diff(desired(prune=True, ignore=Ignore(roles=("cdk-*",))), live)
    assert Change(Action.DELETE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN) not in (
        kept.changes)
    assert f"OIDC provider {GITHUB} is not deleted: role cdk-deploy trusts it" in kept.kept
    # A declared role's trust counts as the file gives it; a role prune deletes counts not.
    declared = desired(prune=True, roles={"ci": trusting("ci", OKTA_ARN)})
    assert all(c.target != OKTA_ARN for c in diff(declared, live).changes)
    pruned = diff(desired(prune=True), live).changes
    assert Change(Action.DELETE, ChangeKind.OIDC_PROVIDER, GITHUB, target=GITHUB_ARN) in pruned


def test_prune_keeps_a_provider_a_role_trusts_by_its_arn_in_other_capitals():
    # The trust names the provider's host (and a SAML provider's name) in other capitals: the
    # role may still federate through it, as the trust findings judge it the same provider.
    github = GITHUB_ARN.replace(GITHUB, "Token.Actions.GitHubUserContent.com")
    okta = OKTA_ARN.replace("okta", "OKTA").replace("arn:aws:iam", "ARN:AWS:IAM")
    roles = {"ci": trusting("ci", github), "sso": trusting("sso", okta)}
    kept = diff(desired(prune=True, roles=roles), LIVE)
    deleted = {c.target for c in kept.changes if c.action == Action.DELETE}
    assert deleted == {"arn:aws:iam::123456789012:oidc-provider/"
                       "oidc.eks.eu-west-1.amazonaws.com/id/ABC"}
    assert f"OIDC provider {GITHUB} is not deleted: role ci trusts it" in kept.kept
    assert "SAML provider okta is not deleted: role sso trusts it" in kept.kept


def test_a_provider_key_ignores_the_case_of_all_but_an_oidc_path():
    from reconciler.core.arns import oidc_provider_path, provider_key

    eks = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AbC"
    assert provider_key(eks.upper().replace("/ID/ABC", "/id/AbC")) == eks
    assert provider_key(eks.replace("/AbC", "/abc")) != eks  # a URL path has case
    assert provider_key(OKTA_ARN.upper()) == OKTA_ARN
    assert provider_key("arn:aws:iam::123456789012:role/Deploy") == (
        "arn:aws:iam::123456789012:role/Deploy")
    assert oidc_provider_path(GITHUB_ARN.upper()) == GITHUB
    assert oidc_provider_path(OKTA_ARN) is None
    assert oidc_provider_path("cognito-identity.amazonaws.com") is None
