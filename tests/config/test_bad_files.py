"""Every file in tests/bad_files is rejected with one line that points into it.

Convention of the corpus (the CLI tests read it too): line 1 is `# expect: <part of the message>`,
line 2 is `# line: <the line the error points at>`. Files under bad_files/policies/ are JSON
documents that some of the YAML files name in `document_file`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config.desired import load, resolve
from reconciler.core.errors import ConfigError
from tests.bad_file_cases import CASES, expectation

CATALOG = {
    "AdministratorAccess": "arn:aws:iam::aws:policy/AdministratorAccess",
    "ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "ViewOnlyAccess": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "job-function/ViewOnlyAccess": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
}




def load_and_resolve(path: Path) -> None:
    for config in load([str(path)]):
        resolve(config, CATALOG)


def test_the_corpus_covers_many_mistakes() -> None:
    assert len(CASES) >= 30
    for path in CASES:
        assert path.read_bytes().startswith(b"# expect: "), path


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_bad_file_is_rejected_with_one_line_pointing_into_it(path: Path) -> None:
    expected, line = expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_and_resolve(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert expected in message
    assert "\n" not in message
    assert "Traceback" not in message
