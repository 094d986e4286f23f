"""Policy documents of the configuration, written inline or in a `document_file`, checked locally.

Part of building the desired State (desired.py, roles.py): every problem points at the user's
file, at the statement at fault, and never shows what a document holds.
"""

from __future__ import annotations

from typing import Any

from ..core.policy import documents as policydoc
from ..core.state import Document
from .documentfiles import read_document_file
from .validation import Declared
from .yamlload import Path


def inline_policies(entity: Declared, total_max: int) -> dict[str, Document]:
    """AWS's inline size quota is for all of one entity's inline policies together."""
    result: dict[str, Document] = {}
    for name, value in entity.data.get("inline_policies", {}).items():
        path: Path = ("inline_policies", name)
        if "document_file" in value:
            file = value["document_file"]
            result[name] = from_file(entity, path + ("document_file",), file, None)
        else:
            result[name] = checked(entity, path, value, None)
    total = sum(policydoc.document_size(document) for document in result.values())
    if total > total_max:
        message = (
            f"inline policies of {entity.kind} '{entity.name}' total {total} characters "
            f"without whitespace, more than the {total_max} AWS allows"
        )
        raise entity.error(("inline_policies",), message)
    return result


def checked(entity: Declared, path: Path, document: Any, max_size: int | None) -> Document:
    """A document written in the YAML file: problems point at the statement at fault."""
    problems = policydoc.document_problems(document, max_size)
    if problems:
        raise entity.error(path + problems[0].where, problems[0].message)
    return policydoc.canonical(document)


def read_file(entity: Declared, path: Path, name: str) -> Any:
    """A `document_file`'s JSON: relative to the YAML file that names it, inside its tree."""
    try:
        return read_document_file(entity.source.file, name)
    except ValueError as error:
        raise entity.error(path, f"{name}{error}") from None


def from_file(entity: Declared, path: Path, name: str, max_size: int | None) -> Document:
    """A `document_file` holding an identity-based policy, checked like one written inline."""
    document = read_file(entity, path, name)
    problems = policydoc.document_problems(document, max_size)
    if problems:
        raise entity.error(path, f"{name}: {problems[0]}")
    return policydoc.canonical(document)
