"""Permission impact of the kinds that came with roles and providers: conservative, never
`narrows` where access might grow."""

from __future__ import annotations

from reconciler.core.impact import Context, assess
from reconciler.core.model import (
    Account,
    Action,
    Change,
    Document,
    Group,
    Impact,
    Kind,
    State,
)

ALLOW = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
DENY = ALLOW.replace("Allow", "Deny")


def context(inline: str) -> Context:
    group = Group("team", inline_policies={"p": Document(inline, inline)})
    live = State(Account("123456789012"), groups={"team": group})
    return Context(State(Account("123456789012")), live)


def test_a_member_leaving_a_group_narrows_unless_the_group_denied_something():
    leaving = Change(Action.DELETE, Kind.GROUP_MEMBER, "team", target="eve")
    assert assess(leaving, context(ALLOW))[0] == Impact.NARROWS
    assert assess(leaving, context(DENY))[0] == Impact.BROADENS


def test_identity_provider_changes_never_read_as_narrowing_when_they_may_let_tokens_in():
    ctx = context(ALLOW)
    new_audience = Change(Action.CREATE, Kind.OIDC_CLIENT_ID, "token.example", after="sts")
    assert assess(new_audience, ctx)[0] == Impact.BROADENS
    for kind, action in [(Kind.OIDC_PROVIDER, Action.CREATE), (Kind.SAML_METADATA, Action.UPDATE),
                         (Kind.OIDC_THUMBPRINTS, Action.UPDATE)]:
        assert assess(Change(action, kind, "p"), ctx)[0] == Impact.UNKNOWN
    for kind in (Kind.OIDC_PROVIDER, Kind.SAML_PROVIDER, Kind.OIDC_CLIENT_ID):
        assert assess(Change(Action.DELETE, kind, "p"), ctx)[0] == Impact.NARROWS
