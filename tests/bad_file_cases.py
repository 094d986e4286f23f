"""The corpus of bad files (tests/bad_files), read by the config tests and the CLI tests.

Convention of the corpus: line 1 is `# expect: <part of the message>`, line 2 is `# line: <the
line the error points at>`. Files under bad_files/policies/ are JSON documents that some of the
YAML files name in `document_file`.
"""

from __future__ import annotations

from pathlib import Path

BAD_FILES = Path(__file__).parent / "bad_files"
CASES = sorted(BAD_FILES.glob("*.yaml"))


def expectation(path: Path) -> tuple[str, int]:
    # Read as bytes: one of the files is deliberately not UTF-8 after its header.
    first, second = path.read_bytes().split(b"\n")[:2]
    expect = first.decode("ascii").removeprefix("# expect: ")
    line = second.decode("ascii").removeprefix("# line: ")
    return expect, int(line)
