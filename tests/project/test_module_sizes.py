"""No module of the package over 400 lines, and no function over 40 without a reason: past that
a module usually holds two ideas, and is split along the second (DESIGN.md section 1)."""

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


MAX_FUNCTION_LINES = 40
# Functions longer than that, each with why (DESIGN.md section 1 asks for a reason).
LONG_FUNCTIONS = {
    # The deny-without-MFA policy's document, one statement per group of actions: read whole,
    # as AWS's own example is, rather than assembled from pieces.
    "reconciler/core/policy/mfa_policy.py:enforce_mfa_document",
}


def test_no_function_is_over_40_lines_without_a_reason():
    import ast

    long = set()
    for path in (REPO_ROOT / "reconciler").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long.add(f"{path.relative_to(REPO_ROOT)}:{node.name}")
    assert long == LONG_FUNCTIONS
