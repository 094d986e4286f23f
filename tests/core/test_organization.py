"""Targets in the organisation (`core/organization.py`): account ids, account names, OUs with
their sub-OUs, the root; and the error line of each reference that names none or several."""

from __future__ import annotations

import pytest

from reconciler.core.organization import (
    OrgAccount,
    Organization,
    OrgUnit,
    TargetError,
    resolve_targets,
)

ROOT = "r-root"


def org(*nodes: OrgAccount | OrgUnit) -> Organization:
    return Organization(
        root=ROOT,
        accounts={n.id: n for n in nodes if isinstance(n, OrgAccount)},
        units={n.id: n for n in nodes if isinstance(n, OrgUnit)},
    )


def account(id: str, name: str, parent: str = ROOT, status: str = "ACTIVE") -> OrgAccount:
    return OrgAccount(id=id, name=name, status=status, parent=parent)


# root
#   111111111111 management
#   Workloads (ou-work)
#     222222222222 prod-api
#     Prod (ou-work-prod)
#       333333333333 prod-db
#       Deep (ou-deep)
#         444444444444 deep-one
#   Sandbox (ou-sand)
#     555555555555 sandbox (suspended)
#     Prod (ou-sand-prod)
#       666666666666 toy
#   Empty (ou-empty)
ORG = org(
    account("111111111111", "management"),
    OrgUnit("ou-work", "Workloads", ROOT),
    account("222222222222", "prod-api", "ou-work"),
    OrgUnit("ou-work-prod", "Prod", "ou-work"),
    account("333333333333", "prod-db", "ou-work-prod"),
    OrgUnit("ou-deep", "Deep", "ou-work-prod"),
    account("444444444444", "deep-one", "ou-deep"),
    OrgUnit("ou-sand", "Sandbox", ROOT),
    account("555555555555", "sandbox", "ou-sand", status="SUSPENDED"),
    OrgUnit("ou-sand-prod", "Prod", "ou-sand"),
    account("666666666666", "toy", "ou-sand-prod"),
    OrgUnit("ou-empty", "Empty", ROOT),
)
EVERY_ACTIVE = {"111111111111", "222222222222", "333333333333", "444444444444", "666666666666"}


def accounts(*refs: str) -> set[str]:
    return set(resolve_targets(ORG, list(refs)).accounts)


def error(*refs: str) -> str:
    with pytest.raises(TargetError) as raised:
        resolve_targets(ORG, list(refs))
    return str(raised.value)


@pytest.mark.parametrize(("refs", "expected"), [
    (["222222222222"], {"222222222222"}),
    (["prod-api"], {"222222222222"}),
    (["ou:Workloads"], {"222222222222", "333333333333", "444444444444"}),
    (["ou:Workloads/Prod"], {"333333333333", "444444444444"}),
    (["ou:Sandbox/Prod"], {"666666666666"}),
    (["ou:Workloads/Prod/Deep"], {"444444444444"}),
    (["ou:Prod/Deep"], {"444444444444"}),  # the end of a path is enough when it names one
    (["ou:Deep"], {"444444444444"}),
    (["root"], EVERY_ACTIVE),
    (["ou:Empty"], set()),
    ([], set()),
])
def test_each_kind_of_reference_reaches_its_accounts(refs, expected):
    assert accounts(*refs) == expected


def test_an_account_named_by_id_and_by_name_is_one_target():
    resolved = resolve_targets(ORG, ["222222222222", "prod-api"])
    assert resolved.accounts == {"222222222222"}
    assert resolved.targets == ("222222222222",)


def test_an_account_reached_directly_and_through_its_ou_is_one_target():
    resolved = resolve_targets(ORG, ["prod-db", "ou:Workloads/Prod", "root"])
    assert resolved.accounts == EVERY_ACTIVE
    assert resolved.targets == ("333333333333", "ou-work-prod", ROOT)


def test_an_ou_includes_the_accounts_of_its_sub_ous_at_every_depth():
    assert "444444444444" in accounts("ou:Workloads")


def test_targets_are_the_nodes_named_in_order_for_policy_attachments():
    resolved = resolve_targets(ORG, ["root", "ou:Sandbox", "toy"])
    assert resolved.targets == (ROOT, "ou-sand", "666666666666")


def test_a_suspended_account_is_skipped_with_a_note():
    resolved = resolve_targets(ORG, ["ou:Sandbox"])
    assert resolved.accounts == {"666666666666"}
    assert resolved.notes == ("account 555555555555 (sandbox) is SUSPENDED: skipped",)


def test_a_suspended_account_reached_twice_has_one_note():
    resolved = resolve_targets(ORG, ["555555555555", "sandbox", "root"])
    assert "555555555555" not in resolved.accounts
    assert resolved.notes == ("account 555555555555 (sandbox) is SUSPENDED: skipped",)


def test_an_account_closing_is_skipped_too():
    closing = org(account("777777777777", "leaving", status="PENDING_CLOSURE"))
    resolved = resolve_targets(closing, ["root"])
    assert resolved.accounts == frozenset()
    assert resolved.notes == ("account 777777777777 (leaving) is PENDING_CLOSURE: skipped",)


def test_active_accounts_have_no_note():
    assert resolve_targets(ORG, ["ou:Workloads"]).notes == ()


# Errors: one line each, without file or line (the caller adds them).


def test_an_account_id_outside_the_organisation_is_an_error():
    assert error("999999999999") == "account 999999999999 is not in the organisation"


def test_an_unknown_account_name_is_an_error_with_a_suggestion():
    assert error("prod-apl") == (
        "no account named 'prod-apl' in the organisation (did you mean 'prod-api'?)"
    )


def test_an_account_name_in_the_wrong_case_suggests_its_spelling():
    assert error("PROD-API").endswith("(did you mean 'prod-api'?)")


def test_an_ou_named_without_its_prefix_suggests_the_prefix():
    assert error("Workloads").endswith("(did you mean 'ou:Workloads'?)")


def test_an_unknown_name_far_from_every_name_has_no_suggestion():
    assert error("zzzzzzzz") == "no account named 'zzzzzzzz' in the organisation"


def test_an_unknown_ou_is_an_error_with_a_suggestion():
    assert error("ou:Workload") == (
        "no OU 'Workload' in the organisation (did you mean 'ou:Workloads'?)"
    )


def test_an_unknown_ou_path_suggests_the_path():
    assert error("ou:Workloads/Prd").endswith("(did you mean 'ou:Workloads/Prod'?)")


def test_an_ou_name_two_ous_share_is_an_error_listing_their_paths():
    assert error("ou:Prod") == (
        "2 OUs are named 'Prod': ou:Sandbox/Prod (ou-sand-prod), "
        "ou:Workloads/Prod (ou-work-prod); name one by its path (ou:Parent/Child)"
    )


def test_an_account_name_two_accounts_share_is_an_error_listing_their_ids():
    twins = org(
        OrgUnit("ou-a", "Team", ROOT),
        account("222222222222", "shared", "ou-a"),
        account("333333333333", "shared"),
    )
    with pytest.raises(TargetError) as raised:
        resolve_targets(twins, ["shared"])
    assert str(raised.value) == (
        "2 accounts are named 'shared': 222222222222 (in ou:Team), "
        "333333333333 (in root); name one by its id"
    )


def test_the_first_bad_reference_is_the_one_reported():
    assert error("prod-api", "nope", "999999999999").startswith("no account named 'nope'")


def test_an_error_is_a_value_error_of_one_line():
    message = error("ou:Prod")
    assert "\n" not in message
    with pytest.raises(ValueError):
        resolve_targets(ORG, ["ou:Prod"])


def test_an_ou_path_is_its_names_from_the_root():
    assert ORG.path("ou-deep") == "Workloads/Prod/Deep"
    assert ORG.path("ou-work") == "Workloads"
