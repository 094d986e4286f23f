"""First step of reading the user's files: strict YAML that remembers where every value came from.

PyYAML's SafeLoader is only used to compose nodes; turning nodes into values is done here so that
every value keeps its line and column, duplicate keys are an error, and anchors cannot expand
without bound. The result holds only JSON types (dict, list, str, int, float, bool, None).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..core.errors import ConfigError, Location, field_path

# A value's place in the data: keys and list indexes from the top, e.g. ("users", 2, "name").
Path = tuple[str | int, ...]

# Values that may be produced through aliases. A "billion laughs" file composes into a small graph
# but expands to billions of values; counting expanded nodes stops it in a fraction of a second,
# while leaving room for thousands of users that each merge `<<: *defaults`.
ALIAS_BUDGET = 100_000

_TAG = "tag:yaml.org,2002:"
_STR = f"{_TAG}str"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}


@dataclass(frozen=True)
class Source:
    """One loaded file: its data and where each value (and each mapping key) starts."""

    file: str
    data: Any
    # Marks are (line << 32) | column: one int instead of a tuple of two, as every value and
    # key of the file has one (most of a loaded file's memory, in a run over many files).
    marks: Mapping[Path, int] = field(repr=False)
    key_marks: Mapping[Path, int] = field(repr=False)
    plain: Mapping[Path, str] = field(repr=False)  # text of unquoted scalars, as written

    def location(self, path: Path) -> Location:
        """Where the value at `path` starts (or its nearest known parent)."""
        return self._nearest(self.marks, path)

    def key_location(self, path: Path) -> Location:
        """Where the mapping key of `path` starts: the place to point at for an unknown field."""
        if path in self.key_marks:
            return self._at(self.key_marks[path])
        return self.location(path)

    def blame(self, path: Path) -> Location:
        """Where to point for a problem with the value at `path`: a wrong scalar itself, a mapping
        or list (too many entries, a missing field) at its key."""
        if isinstance(self.value(path), (dict, list)):
            return self.key_location(path)
        return self.location(path)

    def value(self, path: Path) -> Any:
        """The value at `path`, or None when there is none."""
        value = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def plain_text(self, path: Path) -> str | None:
        """The text of an unquoted scalar as written (None when quoted, or not a scalar)."""
        return self.plain.get(path)

    def _nearest(self, marks: Mapping[Path, int], path: Path) -> Location:
        for end in range(len(path), -1, -1):
            if path[:end] in marks:
                return self._at(marks[path[:end]])
        return Location(self.file, 1, 1)

    def _at(self, mark: int) -> Location:
        return Location(self.file, mark >> 32, mark & 0xFFFFFFFF)


def load_yaml(file: str) -> Source:
    """Read one YAML file strictly; every problem is a ConfigError pointing into the file."""
    text = _read_text(file)
    try:
        loader = yaml.SafeLoader(text)  # checks for unprintable characters first
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        message = f"character {error.character:#x} is not allowed in YAML: remove it"
        raise ConfigError(Location(file, line, column), "", message) from None
    try:
        with _collector_paused():
            node = _compose(text, loader)
            if node is None:
                message = "the file is empty (expected version: 1)"
                raise ConfigError(Location(file, 1, 1), "", message)
            builder = _Builder(file, loader)
            data = builder.value(node, (), aliased=False)
            # Freed here, while the collector is paused: it would otherwise walk every node once
            # more when it resumes (a tenth of a second for a large file).
            del node
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(file, text, error) from None
    except RecursionError:
        raise ConfigError(Location(file, 1, 1), "", "the YAML is nested too deeply") from None
    finally:
        loader.dispose()
    return Source(file, data, builder.marks, builder.key_marks, builder.plain)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector, paused while a file becomes nodes and values: it would run
    again and again over the hundreds of thousands of objects made (a third of the time of a
    large file), and they hold no cycles for it to find."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compose(text: str, checked: yaml.SafeLoader) -> Node | None:
    """The file's node graph, composed by libyaml's C parser (about ten times faster than
    PyYAML's pure-Python one, with the same line and column marks). Its syntax error messages
    differ, so a file it rejects is composed again by `checked`, the pure-Python loader, whose
    error (or, should it accept the file, nodes) is what iamctl has always reported."""
    fast = yaml.CSafeLoader(text)
    try:
        node: Node | None = fast.get_single_node()
        return node
    except yaml.YAMLError:
        return checked.get_single_node()
    finally:
        fast.dispose()


def read_json(file: FilePath) -> Any:
    """A JSON file (a policy `document_file`); ValueError says what is wrong after a colon, with
    the line and column when the JSON itself is at fault: ":3:5: not valid JSON: ..."."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ValueError(": no such file") from None
    except OSError as error:
        raise ValueError(f": cannot read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:  # where only: the bytes may be anything
        line, column = _position(raw, error.start)
        raise ValueError(f":{line}:{column}: not valid UTF-8") from None
    try:
        # A number keeps its text: IAM gets 1e3, 1.50 and -0 as written, not 1000.0, 1.5 and 0.
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_float=str,
            parse_int=str,
            parse_constant=lambda _: _NOT_JSON,
        )
    except json.JSONDecodeError as error:
        raise ValueError(f":{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    except _DuplicateKeyError as error:
        raise ValueError(f": {error}") from None
    constant = _path_of(_NOT_JSON, document, ())
    if constant is not None:
        where = field_path(constant)
        raise ValueError(f": {where}: not valid JSON: NaN and Infinity are not JSON numbers")
    return document


# Python's json reads NaN and Infinity, which are not JSON (and which IAM rejects).
_NOT_JSON = object()


def _path_of(target: object, value: Any, path: Path) -> Path | None:
    if value is target:
        return path
    if not isinstance(value, (dict, list)):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = _path_of(target, item, path + (key,))
        if found is not None:
            return found
    return None


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys without a word; in a policy that is a mistake.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"duplicate key {json.dumps(key)} in a JSON object")
        result[key] = value
    return result


def _read_text(file: str) -> str:
    try:
        raw = FilePath(file).read_bytes()
    except FileNotFoundError:
        raise ConfigError(Location(file), "", "no such file") from None
    except OSError as error:
        raise ConfigError(Location(file), "", f"cannot read: {error.strerror}") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        message = f"not valid UTF-8 (byte {raw[error.start]:#04x}): save the file as UTF-8"
        raise ConfigError(Location(file, line, column), "", message) from None


def _position(raw: bytes, index: int) -> tuple[int, int]:
    """Line and column (1-based) of a byte."""
    return raw[:index].count(b"\n") + 1, index - (raw.rfind(b"\n", 0, index) + 1) + 1


def _syntax_error(file: str, text: str, error: yaml.MarkedYAMLError) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    # An unclosed bracket or quote shows up lines later or at the end of the file; where it was
    # opened is the place to look.
    opened = str(error.context or "").startswith(
        ("while parsing a flow", "while scanning a quoted")
    )
    at_end = mark is not None and mark.index >= len(text.rstrip())
    if error.context_mark and (opened or at_end):
        mark = error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    parts = [part for part in (error.context, error.problem) if part]
    message = " ".join(", ".join(parts).split())  # PyYAML's messages may span lines
    return ConfigError(Location(file, line, column), "", f"YAML syntax error: {message}")


def _short_tag(tag: str) -> str:
    return tag.replace(_TAG, "!!")


class _Builder:
    """Turns composed nodes into plain values, recording marks and counting alias expansion."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.marks: dict[Path, int] = {}
        self.key_marks: dict[Path, int] = {}
        self.plain: dict[Path, str] = {}
        self._seen: set[int] = set()
        self._open: set[int] = set()  # nodes being built: an alias to one of them never ends
        self._expanded = 0

    def value(self, node: Node, path: Path, aliased: bool) -> Any:
        if isinstance(node, ScalarNode):  # contains nothing an alias could loop back through
            return self.build(node, path, aliased)
        if id(node) in self._open:
            raise self.error(node, path, "an alias refers to a value that contains it")
        self._open.add(id(node))
        try:
            return self.build(node, path, aliased)
        finally:
            self._open.discard(id(node))

    def build(self, node: Node, path: Path, aliased: bool) -> Any:
        # A node met a second time was reached through an alias; everything under it counts.
        aliased = aliased or id(node) in self._seen
        self._seen.add(id(node))
        if aliased:
            self._expanded += 1
            if self._expanded > ALIAS_BUDGET:
                message = f"too many aliases: anchors expand to more than {ALIAS_BUDGET} values"
                raise self.error(node, path, message)
        self.marks.setdefault(path, _packed(node))
        if isinstance(node, MappingNode):
            return self.mapping(node, path, aliased)
        if isinstance(node, SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self.error(node, path, f"unsupported YAML tag {_short_tag(node.tag)}")
            return [self.value(item, path + (i,), aliased) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: Path, aliased: bool) -> dict[str, Any]:
        if node.tag != f"{_TAG}map":
            raise self.error(node, path, f"unsupported YAML tag {_short_tag(node.tag)}")
        result: dict[str, Any] = {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged.extend(self.merge_sources(value_node, path))
                continue
            key = self.key(key_node, path)
            child = path + (key,)  # one tuple shared by both marks
            if key in result:
                first = self.key_marks[child] >> 32
                raise self.error(key_node, child, f"duplicate key '{key}' (first at line {first})")
            self.key_marks[child] = _packed(key_node)
            result[key] = self.value(value_node, child, aliased)
        # `<<: *defaults`: keys written in the mapping win over merged ones, earlier sources win.
        for source in merged:
            for key_node, value_node in source.value:
                key = self.key(key_node, path)
                if key not in result:
                    child = path + (key,)
                    self.key_marks[child] = _packed(key_node)
                    result[key] = self.value(value_node, child, aliased=True)
        return result

    def merge_sources(self, node: Node, path: Path) -> list[MappingNode]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        if not all(isinstance(source, MappingNode) for source in sources):
            raise self.error(node, path, "'<<' must be followed by a mapping or a list of them")
        return list(sources)

    def key(self, node: Node, path: Path) -> str:
        if not isinstance(node, ScalarNode):
            raise self.error(node, path, "a mapping key must be a name, not a list or mapping")
        # YAML 1.1 reads an unquoted `no:` or `on:` key as a boolean; refuse rather than guess.
        if not node.style and node.tag in (f"{_TAG}bool", f"{_TAG}null"):
            read_as = "a boolean" if node.tag.endswith("bool") else "empty (null)"
            message = f"key '{node.value}' is read as {read_as} by YAML 1.1: quote it"
            raise self.error(node, path, message)
        return str(node.value)  # numbers and dates as keys: exactly the text written

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if not node.style:  # plain: None from PyYAML's parser, "" from libyaml's
            self.plain[path] = str(node.value)
        if node.tag == _STR:  # most values: the text itself, without PyYAML's constructor
            return node.value
        # An unquoted 2012-10-17 is a YAML 1.1 timestamp; keep the text so it is never mangled.
        if node.tag == f"{_TAG}timestamp":
            return str(node.value)
        if node.tag not in _SCALAR_TAGS:
            raise self.error(node, path, f"unsupported YAML tag {_short_tag(node.tag)}")
        try:
            return self.loader.yaml_constructors[node.tag](self.loader, node)
        except ValueError:
            message = f"cannot read {node.value!r} as {_short_tag(node.tag)}"
            raise self.error(node, path, message) from None

    def error(self, node: Node, path: Path, message: str) -> ConfigError:
        line, column = _mark(node)
        return ConfigError(Location(self.file, line, column), field_path(path), message)


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _packed(node: Node) -> int:
    """The node's line and column, packed as Source keeps them."""
    return (node.start_mark.line + 1) << 32 | (node.start_mark.column + 1)
