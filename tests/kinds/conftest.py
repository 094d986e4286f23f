"""The kinds' tests against moto in process: Identity Center's client-side rate limit (20 calls a
second, `aws/services.py`) lifted, as moto has none to keep under. The limit itself is tested in
tests/aws/, and the bench measures a plan under it against a server that enforces it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from reconciler.aws import services


@pytest.fixture(autouse=True)
def no_identity_center_rate_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    unlimited = services.RateLimit("identity-center", 1_000_000.0)
    for name in ("sso-admin", "identitystore"):
        monkeypatch.setitem(services.SERVICES, name,
                            replace(services.SERVICES[name], rate_limit=unlimited))
    yield
