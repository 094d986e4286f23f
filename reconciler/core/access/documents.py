"""Where the access model finds AWS managed policies' documents: the ones a plan read from AWS,
else the copy shipped in the package (`aws_managed.py`, with its date). Pure."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ..arns import policy_name
from ..policy import aws_managed
from ..policy.meaning import meaning

Documents = Callable[[str], "dict[str, Any] | None"]


@functools.lru_cache(maxsize=2048)
def shipped(arn: str) -> dict[str, Any] | None:
    """The package's copy of an AWS managed policy (meaning form); None if it does not know it
    (a policy AWS published after the copy was made)."""
    document = aws_managed.document(policy_name(arn))
    found: dict[str, Any] | None = meaning(document) if document is not None else None
    return found


def read_first(read: Mapping[str, dict[str, Any]]) -> Documents:
    """The documents read from AWS (by ARN, as AWS returned them), then the shipped copy."""

    def document(arn: str) -> dict[str, Any] | None:
        found = read.get(arn)
        return meaning(found) if found is not None else shipped(arn)

    return document
