"""The entity kinds' declarations: generic code loops over them, so they must match the state,
the ignore lists and each other."""

from __future__ import annotations

from dataclasses import fields, replace

from reconciler.core.kinds.declared import DECLARED
from reconciler.core.kinds.entities import (
    BUILT_IN,
    ENTITY_KINDS,
    counts,
    creation_order,
    entity_kind,
)
from reconciler.core.state import Ignore, OidcProvider, State
from tests.factories import state


def test_each_built_in_kind_is_a_field_of_the_state_and_of_the_ignore_lists():
    sections = {kind.section for kind in BUILT_IN}
    state_fields = {f.name for f in fields(State)} - {
        "account", "prune", "ignore", "aws_roles", "declared"}
    assert sections == state_fields
    assert sections == {f.name for f in fields(Ignore)} - {"declared"}


def test_every_kind_is_built_in_or_declared_in_a_module_of_its_own():
    declared = [kind.entity.section for kind in DECLARED]
    assert [kind.section for kind in ENTITY_KINDS] == [k.section for k in BUILT_IN] + declared
    assert not set(declared) & {f.name for f in fields(State)}


def test_the_creation_order_puts_each_kind_after_the_kinds_it_depends_on():
    seen: set[str] = set()
    for kind in creation_order():
        assert set(kind.depends_on) <= seen, kind.section
        seen.add(kind.section)
    assert seen == {kind.section for kind in ENTITY_KINDS}
    # A role may trust a user and an identity provider the same apply creates.
    order = [kind.section for kind in creation_order()]
    assert order.index("roles") > max(order.index("users"), order.index("oidc_providers"),
                                      order.index("saml_providers"))


def test_counts_name_every_kind_in_singular_or_plural():
    desired = state()
    provider = OidcProvider("token.actions.githubusercontent.com")
    desired = replace(desired, oidc_providers={provider.url: provider})
    assert counts(desired) == (
        "0 users, 0 groups, 0 policies, 0 roles, 1 OIDC provider, 0 SAML providers")


def test_an_oidc_provider_is_keyed_by_its_url_without_the_scheme():
    kind = entity_kind("oidc_providers")
    assert kind.key("https://token.actions.githubusercontent.com") == \
        "token.actions.githubusercontent.com"
    assert entity_kind("users").key("Alice") == "Alice"


def test_the_read_summary_counts_identity_providers_too():
    from reconciler.aws.live import ReadStats

    line = ReadStats(users=2, groups=1, policies=0, calls=9, seconds=0.3, roles=4, aws_roles=1,
                     oidc_providers=1, saml_providers=2).summary()
    assert line.startswith("read 2 users, 1 group, 0 policies, 4 roles (1 owned by AWS), "
                           "1 OIDC provider, 2 SAML providers in 9 API calls")


def test_validate_counts_every_kind_the_file_declares():
    from click.testing import CliRunner

    from reconciler.cli import cli

    result = CliRunner().invoke(cli, ["validate", "examples/github-actions/bootstrap.yaml"])
    assert result.exit_code == 0, result.output
    assert ", 1 OIDC provider, 0 SAML providers" in result.output.splitlines()[0]
