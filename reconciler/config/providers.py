"""The identity providers a file declares (`oidc_providers`, `saml_providers`) -> the desired
state's `OidcProvider`s and `SamlProvider`s. Part of loading the configuration (desired.py),
after the schema has checked each entry's shape.

The rules the schema cannot state are checked here, each pointing at the file: a URL or a name
declared twice (across the files of one account), IAM's counts of client ids and thumbprints,
and the SAML metadata file: inside the configuration's tree (as a policy `document_file`), text
of the length IAM accepts, XML whose root is a SAML metadata `EntityDescriptor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree
from xml.parsers import expat

from ..core.arns import url_key
from ..core.state import OidcProvider, SamlProvider
from .documentfiles import confined
from .validation import Declared, check_unique, declared_in
from .yamlload import Source

# IAM's quotas and its API model's limits (CreateOpenIDConnectProvider, CreateSAMLProvider).
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
METADATA_MIN_CHARACTERS = 1_000
METADATA_MAX_CHARACTERS = 10_000_000
# A UTF-8 character takes at most 4 bytes: a larger file is refused before it is read.
METADATA_MAX_BYTES = 4 * METADATA_MAX_CHARACTERS
ENTITY_DESCRIPTOR = "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor"


def oidc_providers(sources: Sequence[Source]) -> dict[str, OidcProvider]:
    """By URL key (the URL without https://); a URL declared twice is an error at the second."""
    result: dict[str, OidcProvider] = {}
    first: dict[str, Declared] = {}
    for entry in declared_in(sources, "OIDC provider", "oidc_providers"):
        url = entry.data["url"]
        key = url_key(url)
        if key in first:
            where = first[key].location("url")
            raise entry.error(("url",), f"OIDC provider {url} is already declared at {where}")
        first[key] = entry
        result[key] = oidc_provider(entry, key)
    return result


def oidc_provider(entry: Declared, key: str) -> OidcProvider:
    data = entry.data
    client_ids = data["client_ids"]
    if len(client_ids) > MAX_CLIENT_IDS:
        message = f"{len(client_ids)} client ids: AWS allows {MAX_CLIENT_IDS} per OIDC provider"
        raise entry.error(("client_ids",), message)
    return OidcProvider(
        url=key,
        client_ids=frozenset(client_ids),
        thumbprints=thumbprints(entry) if "thumbprints" in data else None,
        tags=dict(data["tags"]) if "tags" in data else None,
    )


def thumbprints(entry: Declared) -> frozenset[str]:
    """Lower case: hex digits in either case are the same thumbprint."""
    given = entry.data["thumbprints"]
    if not given:
        # A provider created without thumbprints gets one AWS retrieves, and IAM has refused
        # empty lists ("Thumbprint list must contain at least one entry"): [] is never reached.
        message = "give 1 to 5 thumbprints, or leave thumbprints out to leave them to AWS"
        raise entry.error(("thumbprints",), message)
    if len(given) > MAX_THUMBPRINTS:
        message = f"{len(given)} thumbprints: AWS allows {MAX_THUMBPRINTS} per OIDC provider"
        raise entry.error(("thumbprints",), message)
    seen: dict[str, int] = {}
    for index, value in enumerate(given):
        if value.lower() in seen:
            message = f"listed twice (as thumbprints[{seen[value.lower()]}]; hex ignores case)"
            raise entry.error(("thumbprints", index), message)
        seen[value.lower()] = index
    return frozenset(seen)


def saml_providers(sources: Sequence[Source]) -> dict[str, SamlProvider]:
    """By name; names are unique without regard to case, as IAM's."""
    result: dict[str, SamlProvider] = {}
    entries = declared_in(sources, "SAML provider", "saml_providers")
    check_unique(entries)
    for entry in entries:
        data = entry.data
        result[entry.name] = SamlProvider(
            name=entry.name,
            metadata=metadata(entry),
            tags=dict(data["tags"]) if "tags" in data else None,
        )
    return result


def metadata(entry: Declared) -> str:
    name = entry.data["metadata_file"]
    try:
        return read_metadata_file(entry.source.file, name)
    except ValueError as error:
        raise entry.error(("metadata_file",), f"{name}{error}") from None


def read_metadata_file(yaml_file: str, name: str) -> str:
    """The metadata document `name` (relative to the YAML file), whitespace at its ends
    stripped. ValueError says what is wrong after a colon, never what the file holds."""
    file = confined(yaml_file, name)
    try:
        if file.stat().st_size > METADATA_MAX_BYTES:
            raise ValueError(f": larger than the {METADATA_MAX_CHARACTERS:,} characters AWS allows")
        raw = file.read_bytes()
    except OSError as error:
        raise ValueError(f": cannot read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig").strip()  # a byte order mark is no part of the XML
    except UnicodeDecodeError:
        raise ValueError(": not UTF-8 text") from None
    # SAML metadata has no DTD; one could declare entities that expand without bound.
    if "<!DOCTYPE" in text:
        raise ValueError(": has a DOCTYPE declaration, which SAML metadata never needs")
    if not METADATA_MIN_CHARACTERS <= len(text) <= METADATA_MAX_CHARACTERS:
        raise ValueError(
            f": {len(text):,} characters; AWS accepts SAML metadata of "
            f"{METADATA_MIN_CHARACTERS:,} to {METADATA_MAX_CHARACTERS:,}"
        )
    check_saml_metadata(text)
    return text


def check_saml_metadata(text: str) -> None:
    """Well-formed XML (without a DTD: checked before) whose root is SAML 2.0 metadata's
    EntityDescriptor."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = expat.ErrorString(error.code)
        raise ValueError(f":{line}:{column + 1}: not well-formed XML: {reason}") from None
    if root.tag != ENTITY_DESCRIPTOR:
        raise ValueError(
            ": not SAML metadata: the root element must be an EntityDescriptor of the "
            "namespace urn:oasis:names:tc:SAML:2.0:metadata"
        )
