"""What an IAM Identity Center permission set lets its holders do, from the access model: the
set is the role Identity Center makes for it in each account it is provisioned to, holding its
AWS managed policies and inline policy within its boundary; that role's powers (full access,
each escalation method of the catalog) are what an assignment of the set gives its principal.

Pure. A declared kind's `risks` hook (`kinds/declared/assignments.py`) is handed `set_powers` by
`verdicts.py`: the kinds' layer sits below the access model's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..policy.documents import canonical
from ..state import Account, Document, Role, State
from .documents import Documents
from .model import AccessModel
from .powers import powers
from .principals import ROLE, Principal

# Who may assume the set's role does not change what the role may do: any trust will do.
_TRUST = canonical({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
_ROLE = "AWSReservedSSO_permission-set"
_ACCOUNT = "000000000000"


def set_model(documents: Documents, managed: frozenset[str], inline: Document | None,
              boundary: str | None) -> tuple[AccessModel, Principal]:
    """The model of one account holding only the role a set is there: its AWS managed
    policies (ARNs) and inline policy, within its boundary (an AWS managed policy's ARN; None:
    none); and that role."""
    role = Role(_ROLE, path="/", trust=_TRUST, policies=managed,
                inline_policies={"inline": inline} if inline is not None else {},
                permissions_boundary=boundary, arn=f"arn:aws:iam::{_ACCOUNT}:role/{_ROLE}")
    model = AccessModel.of(State(account=Account(_ACCOUNT), roles={_ROLE: role}), documents)
    return model, Principal(ROLE, _ROLE)


def set_powers(documents: Documents, managed: frozenset[str], inline: Document | None,
               boundary: str | None) -> Sequence[tuple[str, str]]:
    """(category, detail) of each power of the role a set is (`set_model`)."""
    model, role = set_model(documents, managed, inline, boundary)
    return [(power.category, str(power)) for power in powers(model, role)]
