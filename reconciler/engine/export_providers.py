"""`iamctl export` of identity providers: `oidc_providers` and `saml_providers` entries, and the
SAML metadata files they name.

The format keeps SAML metadata in files (`metadata_file`), never inline: export names
`saml/NAME.xml` beside the exported file, and `--out` writes the metadata there, so planning the
export right away shows no change. Printed to standard output, the export cannot write files
beside itself: a comment above each `metadata_file` says how to get it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..core.arns import HTTPS
from ..core.errors import IamctlError
from ..core.state import OidcProvider, SamlProvider, State

METADATA_DIRECTORY = "saml"


def oidc_entry(provider: OidcProvider) -> dict[str, Any]:
    entry: dict[str, Any] = {"url": HTTPS + provider.url, "client_ids": sorted(provider.client_ids)}
    if provider.thumbprints:  # none: left to AWS (the file cannot ask for an empty list)
        entry["thumbprints"] = sorted(provider.thumbprints)
    if provider.tags is not None:  # {} too: managed, so a tag added by hand shows as drift
        entry["tags"] = dict(sorted(provider.tags.items()))
    return entry


def saml_entry(provider: SamlProvider) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": provider.name, "metadata_file": metadata_file(provider)}
    if provider.tags is not None:  # {} too: managed, so a tag added by hand shows as drift
        entry["tags"] = dict(sorted(provider.tags.items()))
    return entry


def metadata_file(provider: SamlProvider) -> str:
    # A SAML provider's name has no slash: the file stays in the directory.
    return f"{METADATA_DIRECTORY}/{provider.name}.xml"


def metadata_comments(lines: Iterable[str], written: bool) -> Iterator[str]:
    """The dumped lines; unless the metadata files are written, a comment above each
    `metadata_file` line saying how to get the file."""
    for line in lines:
        if not written and line.startswith("  metadata_file: "):
            yield (
                "  # not written with an export to standard output: `iamctl export --out FILE` "
                "writes it beside FILE"
            )
        yield line


def metadata_paths(out_file: str, state: State) -> list[str]:
    """The metadata files an export to `out_file` writes beside it."""
    return [str(_metadata_path(out_file, provider)) for provider in state.saml_providers.values()]


def _metadata_path(out_file: str, provider: SamlProvider) -> Path:
    return Path(out_file).parent / metadata_file(provider)


def write_metadata_files(out_file: str, state: State) -> list[str]:
    """Each SAML provider's metadata, as AWS holds it, where the export beside `out_file` names
    it; returns the paths written."""
    written = []
    for provider in sorted(state.saml_providers.values(), key=lambda p: p.name):
        path = _metadata_path(out_file, provider)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(provider.metadata + "\n")
        except OSError as error:
            raise IamctlError(f"cannot write {path}: {error.strerror}") from None
        written.append(str(path))
    return written
