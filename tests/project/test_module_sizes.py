"""No module of the package over 400 lines: past that a module usually holds two ideas, and is
split along the second (DESIGN.md section 1)."""

from __future__ import annotations

from tests.files import REPO_ROOT

MAX_LINES = 400


def test_no_module_is_over_400_lines():
    sizes = {
        str(path.relative_to(REPO_ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (REPO_ROOT / "reconciler").rglob("*.py")
    }
    assert sizes, "no module found"
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
