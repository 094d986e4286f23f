"""plan.py and render.py with plain data: order, counts, the text, JSON and Markdown forms."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from reconciler.core.diff.diff import diff
from reconciler.core.plan.plan import fingerprint, make_plan, plan_from_dict, plan_to_dict
from reconciler.core.render.markdown import render_markdown
from reconciler.core.render.text import NO_CHANGES, render_text
from reconciler.core.state import Account, Group, ManagedPolicy, MfaMode, PasswordPolicy, Root, User
from tests.factories import ACCOUNT_ID, ADMIN, READ_ONLY, doc, live_policy, live_user, state


def tutorial_plan():
    desired = state(
        User(
            "admin", console=True, access_keys=1, mfa=MfaMode.REQUIRED, policies=frozenset({ADMIN})
        ),
        account=Account(ACCOUNT_ID, alias="acme-sandbox", root=Root(mfa=True)),
    )
    live = state(
        live_user("old-intern", policies=frozenset({READ_ONLY})),
        account=Account(ACCOUNT_ID, root=Root(mfa=False, access_keys=False)),
    )
    desired = state(
        *desired.users.values(),
        User("old-intern"),
        account=desired.account,
    )
    return make_plan(desired, live, diff(desired, live))


def test_text_plan_reads_like_the_design():
    text = render_text(tutorial_plan())
    assert text == (
        "Account 123456789012 (acme-sandbox), sign-in URL "
        "https://acme-sandbox.signin.aws.amazon.com/console\n"
        "\n"
        "  ~ account alias: (none) -> acme-sandbox\n"
        "  + user admin\n"
        "  + user admin: console password (generated, reset required at first sign-in), "
        "delivered as a plain CSV file to the secrets directory\n"
        "  + user admin: access key, delivered as a plain CSV file to the secrets directory\n"
        "  + user admin: attach AdministratorAccess [admin: user admin gains full access via "
        "policy AdministratorAccess]\n"
        "  - user old-intern: detach ReadOnlyAccess\n"
        "  ! user admin: MFA required, no device yet -> run `iamctl mfa enroll admin`\n"
        "  ! root user: MFA not enabled -> sign in as root, Security credentials, "
        "Assign MFA device\n"
        "\n"
        "Plan: 4 to add, 1 to change, 1 to destroy, 2 human steps; 1 broadens access, "
        "1 privilege-escalation risk.\n"
    )


def test_empty_plan_says_so_in_one_line():
    plan = make_plan(state(), state(), diff(state(), state()))
    assert render_text(plan).splitlines()[-1] == NO_CHANGES
    assert plan.sign_in_url == f"https://{ACCOUNT_ID}.signin.aws.amazon.com/console"


def test_dependencies_first_deletions_last():
    desired = state(
        User(
            "zed",
            groups=frozenset({"team"}),
            policies=frozenset({"arn:aws:iam::123456789012:policy/p"}),
        ),
        Group("team"),
        ManagedPolicy("p", doc()),
        prune=True,
    )
    live = state(live_user("old", console=True), live_policy("legacy"))
    kinds = [
        (c.action.value, c.kind.value)
        for c in make_plan(desired, live, diff(desired, live)).changes
    ]
    assert kinds.index(("create", "policy")) < kinds.index(("create", "group"))
    assert kinds.index(("create", "group")) < kinds.index(("create", "user_group"))
    assert kinds[-2:] == [("delete", "user"), ("delete", "policy")]


def test_the_alias_comes_before_any_credential_and_the_password_policy_after():
    desired = state(
        User("bot", access_keys=1),
        User("admin", console=True),
        account=Account(
            ACCOUNT_ID, alias="acme", password_policy=PasswordPolicy(minimum_length=20)
        ),
    )
    kinds = [c.kind.value for c in make_plan(desired, state(), diff(desired, state())).changes]
    assert kinds[0] == "alias"
    assert kinds[-1] == "password_policy"


def test_policy_document_change_is_shown_by_statement():
    # The policy is attached to a user: what it grants reaches someone (attached to nobody, a
    # new document grants nothing and is not marked).
    attached = frozenset({f"arn:aws:iam::{ACCOUNT_ID}:policy/p"})
    desired = state(ManagedPolicy("p", doc("s3:PutObject")), User("u", policies=attached))
    live = state(live_policy("p", doc("s3:GetObject")), live_user("u", policies=attached))
    text = render_text(make_plan(desired, live, diff(desired, live)))
    assert "  ~ policy p: document (new default version) [broadens]\n" in text
    assert (
        "        ~ statement 1 (Allow):\n"
        "            + action s3:PutObject\n"
        "            - action s3:GetObject\n"
    ) in text


def test_json_plan_has_the_documented_fields_and_round_trips():
    plan = tutorial_plan()
    data = json.loads(json.dumps(plan_to_dict(plan)))
    assert data["format_version"] == 2
    assert data["account"] == {"id": ACCOUNT_ID, "alias": "acme-sandbox"}
    assert data["summary"] == {
        "add": 4, "change": 1, "destroy": 1, "human": 2, "broadening": 1, "escalation": 1,
        "unknown": 0, "principals_gaining_access": 1}
    assert {"action", "kind", "name", "impact", "impact_reason", "risks"} <= set(
        data["changes"][0])
    attach = next(c for c in data["changes"] if c["kind"] == "user_policy")
    assert attach["risks"] == [{"kind": "admin", "principal": "user admin",
                                "detail": "full access via policy AdministratorAccess"}]
    assert {"kind", "name", "message"} <= set(data["human_steps"][0])
    assert plan_from_dict(data) == plan


def test_a_saved_plans_risks_read_back():
    """Risks take no part in comparing changes, so the round trip above does not see them."""
    plan = tutorial_plan()
    read = plan_from_dict(json.loads(json.dumps(plan_to_dict(plan))))
    assert any(change.risks for change in plan.changes)
    assert [change.risks for change in read.changes] == [change.risks for change in plan.changes]


def test_a_self_lockout_mark_survives_a_saved_plan():
    plan = tutorial_plan()
    marked = replace(plan.changes[0], self_lockout="deletes the access key these credentials use")
    data = json.loads(json.dumps(plan_to_dict(replace(plan, changes=(marked,)))))
    assert data["changes"][0]["self_lockout"] == "deletes the access key these credentials use"
    assert plan_from_dict(data).changes[0].self_lockout == marked.self_lockout


def test_markdown_plan_uses_a_diff_block():
    text = render_markdown(tutorial_plan())
    assert text.startswith("### Account `123456789012` (`acme-sandbox`)")
    assert "```diff\n~ account alias: (none) -> acme-sandbox\n+ user admin\n" in text
    assert ("**Plan: 4 to add, 1 to change, 1 to destroy, 2 human steps; 1 broadens access, "
            "1 privilege-escalation risk.**") in text


def test_markdown_plan_opens_with_the_new_access():
    text = render_markdown(tutorial_plan())
    new_access = text.split("**New access**\n\n", 1)[1].split("\n\n", 1)[0]
    assert new_access.splitlines() == [
        "- `user admin` `gains full access` (by `+ user admin: attach AdministratorAccess`)",
    ]
    assert text.index("**New access**") < text.index("```diff")


def test_fingerprint_ignores_key_last_use_but_not_attachments():
    a = state(live_user("u", keys=1))
    assert fingerprint(a) == fingerprint(state(live_user("u", keys=1)))
    assert fingerprint(a) != fingerprint(state(live_user("u", keys=1, policies=frozenset({ADMIN}))))


@pytest.mark.process
def test_the_pure_core_loads_no_aws_sdk_even_at_run_time():
    # `make lint` checks the imports the code writes; this checks what loading every module of
    # reconciler/core (and the action catalog's data) pulls in at run time.
    code = (
        "import importlib, pkgutil, sys\n"
        "import reconciler.core\n"
        "for module in pkgutil.walk_packages(reconciler.core.__path__, 'reconciler.core.'):\n"
        "    importlib.import_module(module.name)\n"
        "reconciler.core.policy.catalog.all_actions()\n"
        "sdk = ('boto3', 'botocore', 'click')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in sdk)\n"
        "print(sum(m.startswith('reconciler.core.') for m in sys.modules))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, bad = out.stdout.split("\n")[:2]
    assert int(loaded) >= 20  # the walk found the core
    assert bad == ""


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    from reconciler import cli

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.wants_color(no_color=False)
    assert not cli.wants_color(no_color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.wants_color(no_color=False)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert not cli.wants_color(no_color=False)
    coloured = render_text(tutorial_plan(), color=True)
    assert "\x1b[32m+ user admin\x1b[0m" in coloured
    assert "\x1b[" not in render_text(tutorial_plan(), color=False)


def test_many_warnings_of_one_check_are_summed_up():
    from reconciler.core.changes import Finding
    from reconciler.core.render.text import warning_lines

    findings = [Finding("1.10", f"user u{i:02}", "console without MFA") for i in range(10)]
    findings.append(Finding("1.15", "user u00", "policies on the user"))
    lines = warning_lines(findings)
    assert lines == [
        "warning: CIS 1.10: user u00: console without MFA",
        "warning: CIS 1.10: user u01: console without MFA",
        "warning: CIS 1.10: user u02: console without MFA",
        "warning: CIS 1.10: ... and 7 more like these (all in --json)",
        "warning: CIS 1.15: user u00: policies on the user",
    ]


def test_control_characters_from_a_document_never_reach_the_terminal_raw():
    """A hostile file (or a policy made by hand) can put a line break or an escape sequence in
    a resource: the text plan and apply's report show it escaped, on the change's own line."""
    from reconciler.core.policy.documents import canonical
    from reconciler.core.render.text import change_lines

    hostile = "arn:aws:s3:::b\n  + user admin: attach AdministratorAccess\x1b[2K"
    document = canonical({"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                         "Resource": hostile}]})
    desired = state(User("u", inline_policies={"p": document}))
    live = state(live_user("u", inline_policies={"p": doc()}))
    plan = make_plan(desired, live, diff(desired, live))
    text = render_text(plan)
    assert "\x1b" not in text
    assert "\n  + user admin" not in text
    assert "\\n  + user admin: attach AdministratorAccess\\x1b[2K" in text
    assert all("\n" not in line and "\x1b" not in line
               for change in plan.changes for line in change_lines(change))
