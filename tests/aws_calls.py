"""What iamctl asked of IAM, seen from inside botocore: for tests of the calls themselves."""

from __future__ import annotations

from typing import Any

from reconciler.aws.client import Aws


def record_calls(aws: Aws) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM call `aws` makes from now on, as (operation, parameters), in order."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, dict(params)))

    aws._iam.meta.events.register("before-parameter-build.iam", before_call)
    return calls
