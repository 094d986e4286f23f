"""The moto server of the CLI tests: reconciler/emulator.py's, holding the test catalog of AWS
managed policies (tests/aws_catalog.py). Started by the `moto_server` fixture."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reconciler.emulator import EXIT_ON_EOF, serve  # noqa: E402
from tests.aws_catalog import use_the_test_catalog  # noqa: E402

if __name__ == "__main__":
    use_the_test_catalog()
    serve(exit_on_stdin_eof=EXIT_ON_EOF in sys.argv[1:])
