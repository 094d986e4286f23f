"""The file-format reference page of the documentation site, written from the JSON Schema.

`make docs` (scripts/docs_hooks.py) renders schemas/iamctl.schema.json into Markdown with
`schema_reference`, so the reference says what `validate` checks and no copy is kept by hand:
one table for the top level and one section per definition (`$defs`), each field with its type,
its constraints and the schema's own description.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

# The constraints a field's line shows, in this order, with how each reads.
CONSTRAINTS = (
    ("minimum", "at least {}"),
    ("maximum", "at most {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("maxProperties", "at most {} entries"),
    ("pattern", "matches `{}`"),
)


def schema_reference(schema: Schema, schema_link: str) -> str:
    """The whole page: the top level, then each definition; `schema_link` is the schema file's
    address from the page."""
    lines = [
        "# File format reference",
        "",
        f"{escape(schema.get('description', ''))}",
        "",
        f"This page is written from the JSON Schema, [iamctl.schema.json]({schema_link}), when "
        "the site is built: it is what `iamctl validate` checks a file's shape against. What "
        "the fields mean together, and what a plan does with them, is in "
        "[The file format](../file-format.md).",
        "",
        "## Top level",
        "",
        *fields_table(schema, schema),
        "",
        "## Definitions",
        "",
    ]
    for name, definition in schema.get("$defs", {}).items():
        lines += definition_section(name, definition, schema)
    return "\n".join(lines).rstrip() + "\n"


def definition_section(name: str, definition: Schema, schema: Schema) -> list[str]:
    lines = [f"### `{name}` {{#{anchor(name)}}}", ""]
    if definition.get("description"):
        lines += [escape(definition["description"]), ""]
    if "properties" in definition:
        lines += [*fields_table(definition, schema), ""]
    else:
        lines += [f"Type: {type_of(definition)}.", ""]
    return lines


def fields_table(obj: Schema, schema: Schema) -> list[str]:
    rows = ["| field | type | meaning |", "|---|---|---|"]
    rows += field_rows(obj, schema, "")
    for pattern, spec in obj.get("patternProperties", {}).items():
        rows.append(f"| keys matching `{pattern}` | any | {escape(description_of(spec, schema))} |")
    return rows


def field_rows(obj: Schema, schema: Schema, prefix: str) -> list[str]:
    """A row per field; the fields of an object written in place follow it, as `outer.inner`."""
    required = set(obj.get("required", ()))
    rows = []
    for field, spec in obj.get("properties", {}).items():
        name = f"`{prefix}{field}`" + (" (required)" if field in required else "")
        rows.append(f"| {name} | {type_of(spec)} | {escape(description_of(spec, schema))} |")
        if "properties" in spec:
            rows += field_rows(spec, schema, f"{prefix}{field}.")
    return rows


def description_of(spec: Schema, schema: Schema) -> str:
    """A field's own description, else that of the definition it refers to."""
    if "description" not in spec and "$ref" in spec:
        return description_of(schema["$defs"][spec["$ref"].rsplit("/", 1)[-1]], schema)
    return str(spec.get("description", ""))


def type_of(spec: Schema) -> str:
    """What a field takes, in words, with links to the definitions it refers to."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{anchor(name)})"
    if "enum" in spec:
        values = ", ".join(f"`{value}`" for value in spec["enum"])
        return values if len(spec["enum"]) == 1 else f"one of {values}"
    if "const" in spec:
        return f"`{spec['const']}`".replace("`True`", "`true`")
    kinds = spec.get("type", "any")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    words = " or ".join(kind_of(kind, spec) for kind in kinds)
    limits = [form.format(spec[key]) for key, form in CONSTRAINTS if key in spec]
    if "then" in spec and "else" in spec:
        branches = (spec["then"], spec["else"])
        patterns = [f"`{branch['pattern']}`" for branch in branches if "pattern" in branch]
        limits.append("matches " + " or ".join(patterns))
    return words + (f" ({'; '.join(limits)})" if limits else "")


def kind_of(kind: str, spec: Schema) -> str:
    if kind == "array":
        items = spec.get("items")
        return f"list of {type_of(items)}" if items else "list"
    if kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        return f"map of name to {type_of(spec['additionalProperties'])}"
    if kind == "object" and "properties" in spec:
        return "object: " + ", ".join(f"`{field}`" for field in spec["properties"])
    return {"string": "string", "integer": "whole number", "boolean": "`true` or `false`",
            "object": "object", "null": "`null`"}.get(kind, kind)


def anchor(name: str) -> str:
    return f"def-{name.lower()}"


def escape(text: str) -> str:
    """Plain text from the schema, shown as text: no emphasis, HTML or table cell breaks."""
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("*", "\\*"), ("_", "\\_"),
                          ("<", "&lt;"), ("`", "\\`"), ("[", "\\[")):
        text = text.replace(char, escaped)
    return text
