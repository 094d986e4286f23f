"""Every method of the escalation catalog is caught by the access model: granted on `*`, and
granted on a resource pattern that reaches what the method needs (pure)."""

from __future__ import annotations

import pytest

from reconciler.core.access.documents import shipped
from reconciler.core.access.escalation_catalog import OTHER_USER, SELF, Method, methods
from reconciler.core.access.model import AccessModel
from reconciler.core.access.powers import ADMIN, Power, powers
from reconciler.core.access.principals import Principal
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.trust import trust_document
from reconciler.core.state import Role, User
from tests.factories import ACCOUNT_ID, state
from tests.factories import ADMIN as ADMIN_POLICY

USER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/dev"
# A role stronger than the principal, for the methods that pass one to a service.
STRONG = Role("strong", path="/", policies=frozenset({ADMIN_POLICY}),
              arn=f"arn:aws:iam::{ACCOUNT_ID}:role/strong",
              trust=trust_document({"Version": "2012-10-17", "Statement": [{
                  "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"}]}, "aws"))


def reaching(resource: str) -> str:
    """A resource pattern, in this account, that reaches what the requirement names."""
    if resource == OTHER_USER:
        return f"arn:aws:iam::{ACCOUNT_ID}:user/*"
    if resource == SELF:
        return USER_ARN
    if resource == "*":
        return "*"
    parts = resource.split(":", 5)
    parts[1] = "aws"
    parts[4] = ACCOUNT_ID if parts[4] == "*" else parts[4]
    return ":".join(parts)


def granted(method: Method, on_patterns: bool) -> list[Power]:
    statements = [{"Effect": "Allow", "Action": r.action,
                   "Resource": reaching(r.resource) if on_patterns else "*"}
                  for r in method.requires]
    user = User("dev", path="/", arn=USER_ARN, inline_policies={
        "p": canonical({"Version": "2012-10-17", "Statement": statements})})
    model = AccessModel.of(state(user, STRONG), shipped)
    return powers(model, Principal("user", "dev"))


@pytest.mark.parametrize("on_patterns", [False, True], ids=["on *", "on a pattern"])
@pytest.mark.parametrize("method", methods(), ids=[m.id for m in methods()])
def test_each_published_method_is_caught(method: Method, on_patterns: bool) -> None:
    found = granted(method, on_patterns)
    titles = {power.detail for power in found}
    assert method.title in titles or (method.gains == ADMIN and
                                      any(p.category == ADMIN for p in found)), titles
