"""Names without regard to case, with plain data: the file's names take the account's spelling."""

from __future__ import annotations

from reconciler.core.diff.diff import diff
from reconciler.core.diff.names import align_names
from reconciler.core.state import Group, Ignore, ManagedPolicy, User
from tests.factories import ACCOUNT_ID, ADMIN, doc, live_group, live_policy, live_user, state

POLICY = f"arn:aws:iam::{ACCOUNT_ID}:policy/"


def test_the_file_spelling_of_live_names_is_aligned_with_references_and_a_note():
    billing, billing_live = POLICY + "Billing", POLICY + "billing"
    desired = state(
        User("Alice", groups=frozenset({"Admins"}), policies=frozenset({billing, ADMIN})),
        Group("Admins", policies=frozenset({billing})),
        ManagedPolicy("Billing", doc()),
    )
    live = state(
        live_user("alice", groups=frozenset({"admins"}), policies=frozenset({billing_live, ADMIN})),
        live_group("admins", policies=frozenset({billing_live})),
        live_policy("billing", doc()),
    )
    aligned, notes = align_names(desired, live)
    assert diff(aligned, live).changes == ()
    assert set(aligned.users) == {"alice"} and aligned.users["alice"].name == "alice"
    assert aligned.users["alice"].groups == {"admins"}
    assert notes == (
        "user Alice in the file is alice in the account (IAM names ignore case): planned as alice",
        "group Admins in the file is admins in the account (IAM names ignore case): planned as "
        "admins",
        "policy Billing in the file is billing in the account (IAM names ignore case): planned as "
        "billing",
    )


def test_without_alignment_the_diff_would_create_what_aws_refuses():
    """The hazard the alignment removes: `+ user Alice` next to a live `alice`."""
    desired, live = state(User("Alice")), state(live_user("alice"))
    assert [c.name for c in diff(desired, live).changes] == ["Alice"]
    aligned, _ = align_names(desired, live)
    assert diff(aligned, live).changes == ()


def test_a_respelled_policy_moving_path_keeps_its_new_path():
    desired = state(
        ManagedPolicy("Billing", doc(), path="/b/"),
        User("bob", policies=frozenset({POLICY + "b/Billing"})),
    )
    live = state(live_user("bob"), live_policy("billing", doc(), path="/a/"))
    aligned, _ = align_names(desired, live)
    assert aligned.users["bob"].policies == {POLICY + "b/billing"}
    assert set(aligned.policies) == {"billing"}


def test_an_arn_written_in_another_case_takes_the_live_spelling():
    desired = state(User("bob", policies=frozenset({POLICY + "LEGACY"})))
    live = state(live_user("bob", policies=frozenset({POLICY + "legacy"})), live_policy("legacy"))
    aligned, notes = align_names(desired, live)
    assert diff(aligned, live).changes == () and notes == ()


def test_matching_names_change_nothing():
    desired = state(User("alice"), Group("admins"))
    assert align_names(desired, state(live_user("alice"))) == (desired, ())


def test_ignore_globs_and_the_caller_match_without_regard_to_case():
    live = state(live_user("CDK-Deploy"), live_user("Runner"))
    result = diff(state(prune=True, ignore=Ignore(users=("cdk-*",))), live, caller_user="runner")
    assert result.changes == ()
    assert result.kept == ("user Runner is not deleted: its credentials are running iamctl",)
    listed = diff(state(ignore=Ignore(users=("cdk-*",))), live)
    assert listed.unmanaged == {"users": ("Runner",)}
