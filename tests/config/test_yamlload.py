"""Strict YAML loading: values with their positions, and one clear line for every bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.config.yamlload import ALIAS_BUDGET, Source, load_yaml, read_json
from reconciler.core.errors import ConfigError, field_path
from tests.files import write_file

Write = Callable[..., str]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes text (or bytes), as it is, to a file in tmp_path and returns its path."""

    def write(content: str | bytes, name: str = "account.yaml") -> str:
        return write_file(tmp_path, name, content)

    return write


def error_of(file: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_yaml(file)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(file)
    return message


def test_values_and_where_they_start(write: Write) -> None:
    file = write("version: 1\nusers:\n  - name: admin\n    groups: [admins, ops]\n")
    source = load_yaml(file)
    assert source.data == {"version": 1, "users": [{"name": "admin", "groups": ["admins", "ops"]}]}
    assert str(source.location(("users", 0, "name"))) == f"{file}:3:11"
    assert str(source.location(("users", 0, "groups", 1))) == f"{file}:4:22"
    assert str(source.key_location(("users", 0, "groups"))) == f"{file}:4:5"
    # A path that does not exist points at its nearest parent.
    assert str(source.location(("users", 0, "console"))) == f"{file}:3:5"


def test_blame_points_at_the_key_of_a_mapping_or_list(write: Write) -> None:
    source = load_yaml(write("users:\n  - name: admin\n    tags:\n      team: x\n"))
    assert source.blame(("users", 0, "tags")).line == 3
    assert source.blame(("users", 0, "tags", "team")).column == 13


@pytest.mark.parametrize(
    "path,expected",
    [
        (("users", 2, "policies", 0), "users[2].policies[0]"),
        (("users", 0, "inline_policies", "own-bucket"), "users[0].inline_policies.own-bucket"),
        (("users", 0, "tags", "a b"), 'users[0].tags["a b"]'),
        ((), ""),
    ],
)
def test_field_path(path: tuple[str | int, ...], expected: str) -> None:
    assert field_path(path) == expected


def test_yaml_dates_stay_text_and_plain_text_is_kept(write: Write) -> None:
    source = load_yaml(write('v: 2012-10-17\nt: 2001-12-14t21:59:43.10-05:00\nq: "no"\nb: no\n'))
    assert source.data == {
        "v": "2012-10-17",
        "t": "2001-12-14t21:59:43.10-05:00",
        "q": "no",
        "b": False,
    }
    assert source.plain_text(("b",)) == "no"
    assert source.plain_text(("q",)) is None  # quoted


def test_numbers_as_keys_are_the_text_written(write: Write) -> None:
    assert load_yaml(write("tags:\n  2024: x\n  0o17: y\n")).data == {
        "tags": {"2024": "x", "0o17": "y"}
    }


def test_anchors_and_merge_keys(write: Write) -> None:
    text = (
        "defaults: &defaults {console: true, access_keys: 1}\n"
        "users:\n"
        "  - <<: *defaults\n"
        "    name: admin\n"
        "    access_keys: 0\n"
        "  - {<<: [*defaults], name: bot}\n"
    )
    users = load_yaml(write(text)).data["users"]
    assert users == [
        {"name": "admin", "access_keys": 0, "console": True},
        {"name": "bot", "console": True, "access_keys": 1},
    ]


def test_byte_order_mark_is_accepted(write: Write) -> None:
    assert load_yaml(write("\ufeffversion: 1\n".encode())).data == {"version": 1}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a: 1\nb:\n  c: 2\n  c: 3\n", ":4:3: b.c: duplicate key 'c' (first at line 3)"),
        ("a: 1\na: 1\n", ":2:1: a: duplicate key 'a' (first at line 1)"),
        ("", ":1:1: the file is empty"),
        ("# only a comment\n\n", ":1:1: the file is empty"),
        ("a: [1, 2\nb: 3\n", ":1:4: YAML syntax error: while parsing a flow sequence"),
        ("a: b: c\n", ":1:5: YAML syntax error: mapping values are not allowed here"),
        ('a: "open\n', ":1:4: YAML syntax error: while scanning a quoted scalar"),
        ("a: 1\n---\nb: 2\n", ":2:1: YAML syntax error: expected a single document"),
        ("a: *nowhere\n", "found undefined alias 'nowhere'"),
        ("a: &x [1, *x]\n", "a[1]: an alias refers to a value that contains it"),
        ("no: 1\n", ":1:1: key 'no' is read as a boolean by YAML 1.1: quote it"),
        ("? [a, b]\n: 1\n", "a mapping key must be a name"),
        ("a: !!binary aGVsbG8=\n", ":1:4: a: unsupported YAML tag !!binary"),
        ("a: !!set {x}\n", "unsupported YAML tag !!set"),
        ("a: !Ref b\n", "unsupported YAML tag !Ref"),
        ("a: !!int abc\n", "cannot read 'abc' as !!int"),
        ("a: 1\nb: \x07\n", ":2:4: character 0x7 is not allowed in YAML"),
        ("<<: 1\n", "'<<' must be followed by a mapping"),
    ],
)
def test_bad_yaml(write: Write, text: str, expected: str) -> None:
    assert expected in error_of(write(text))


def test_not_utf8_names_the_line_and_byte(write: Write) -> None:
    message = error_of(write(b"version: 1\nusers:\n  - name: caf\xe9\n"))
    assert message.endswith(":3:14: not valid UTF-8 (byte 0xe9): save the file as UTF-8")


def test_utf16_is_not_utf8(write: Write) -> None:
    assert "not valid UTF-8" in error_of(write("version: 1\n".encode("utf-16")))


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    assert error_of(missing) == f"{missing}: no such file"


def test_billion_laughs_fails_fast(write: Write) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    file = write("\n".join(lines) + "\n")
    # Only the alias budget says this: the load stopped after ALIAS_BUDGET expanded values,
    # never near the billion the anchors would make (speed is the bench's business, not a test's).
    assert f"anchors expand to more than {ALIAS_BUDGET} values" in error_of(file)


def test_moderate_alias_use_is_fine(write: Write) -> None:
    text = "g: &g [admins, ops]\nusers:\n" + "".join(
        f"  - {{name: u{i}, groups: *g}}\n" for i in range(200)
    )
    assert len(load_yaml(write(text)).data["users"]) == 200


def test_deep_nesting_is_an_error_not_a_crash(write: Write) -> None:
    assert "nested too deeply" in error_of(write("a: " + "[" * 600 + "]" * 600 + "\n"))


def test_source_is_plain_data(write: Write) -> None:
    source = load_yaml(write("a: {b: [1, 2.5, true, null, x]}\n"))
    assert isinstance(source, Source)
    assert source.data == {"a": {"b": [1, 2.5, True, None, "x"]}}


def test_read_json(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"Version": "2012-10-17"}')
    assert read_json(good) == {"Version": "2012-10-17"}


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{\n  "a": 1,\n  b: 2\n}', ":3:3: not valid JSON: Expecting property name"),
        ('{"Action": "a", "Action": "b"}', ': duplicate key "Action" in a JSON object'),
        ('{"a": "\xe9"}'.encode("latin-1"), ":1:8: not valid UTF-8"),
        (None, ": no such file"),
    ],
)
def test_read_json_errors(tmp_path: Path, text: str | bytes | None, expected: str) -> None:
    path = tmp_path / "doc.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    with pytest.raises(ValueError) as caught:
        read_json(path)
    assert str(caught.value) == expected or str(caught.value).startswith(expected)
