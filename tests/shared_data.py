"""Read-only data that the test process reads once instead of once per test: botocore's models.

Nothing here changes what a test sees, only what it costs. botocore reads its JSON models (the
list of services, IAM's and STS's API models, the endpoints) anew for every Session, and every
test that reaches AWS, and every in-process `iamctl` run, makes sessions of its own: about 0.1 s
of JSON a time, a tenth of such a test. One loader already shares what it read among its
clients; here every loader with the same search path shares it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.loaders import Loader

# The Loader methods botocore caches per instance (`instance_cache`).
CACHED_METHODS = (
    "list_available_services",
    "determine_latest_version",
    "list_api_versions",
    "load_service_model",
    "load_data_with_path",
)


def share_botocore_models() -> None:
    shared: dict[tuple[Any, ...], Any] = {}
    for name in CACHED_METHODS:
        setattr(Loader, name, shared_across_loaders(name, getattr(Loader, name), shared))


def shared_across_loaders(
    name: str, method: Callable[..., Any], shared: dict[tuple[Any, ...], Any]
) -> Callable[..., Any]:
    if getattr(method, "shared_across_loaders", False):  # conftest imported twice
        return method

    def cached(self: Loader, *args: Any, **kwargs: Any) -> Any:
        key = (name, tuple(self.search_paths), args, tuple(sorted(kwargs.items())))
        if key not in shared:
            shared[key] = method(self, *args, **kwargs)
        return shared[key]

    cached.shared_across_loaders = True  # type: ignore[attr-defined]
    return cached
