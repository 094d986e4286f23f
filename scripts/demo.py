"""`make demo`: validate, plan and apply the tutorial example against a local IAM emulator.

Nothing here touches a real AWS account: iamctl runs with dummy credentials against a moto server
on a free local port, which is stopped whatever happens. The new administrator's credentials are
written to .demo/secrets (git-ignored), or to the directory given as the only argument; only the
file's name and permissions are shown.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from reconciler.emulator import start_emulator

REPO_ROOT = Path(__file__).resolve().parent.parent
# The iamctl installed beside this Python (the one `iamctl-emulator` came with), so that
# `make release-check` runs the demo with the built wheel by running this with its Python.
IAMCTL = Path(sys.executable).parent / "iamctl"
ACCOUNT_FILE = "examples/tutorial/account.yaml"
DEFAULT_SECRETS_DIR = Path(".demo/secrets")  # relative to REPO_ROOT; /.demo/ is in .gitignore
EXIT_HUMAN_STEPS = 3


class DemoFailed(Exception):
    pass


def banner(title: str, explanation: str) -> None:
    print(f"\n{'=' * 78}\n== {title}\n{'=' * 78}")
    print(textwrap.fill(" ".join(explanation.split()), width=78), end="\n\n", flush=True)


def iamctl(env: Mapping[str, str], *args: str, expect: tuple[int, ...] = (0,)) -> int:
    """Run iamctl as a user would, output straight to the terminal; check its exit code."""
    print(f"$ iamctl {' '.join(args)}", flush=True)
    try:
        code = subprocess.run([str(IAMCTL), *args], env=env, cwd=REPO_ROOT).returncode
    except FileNotFoundError as error:
        raise DemoFailed(f"{IAMCTL} not found: run `make venv` first") from error
    if code not in expect:
        expected = " or ".join(str(each) for each in expect)
        raise DemoFailed(f"`iamctl {args[0]}` exited with {code}, expected {expected}")
    return code


def demo_env(endpoint_url: str) -> dict[str, str]:
    """The user's environment, with dummy credentials and every AWS call sent to the emulator."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.pop("CI", None)  # the demo is for a person at a terminal
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_CONFIG_FILE=os.devnull,  # no profile of the user's can redirect the demo
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def run_steps(env: Mapping[str, str], secrets_dir: Path) -> None:
    banner(
        "1. validate: check the file offline",
        """Syntax, schema, names, references and quotas, without calling AWS. The tutorial
        example is deliberately not the CIS benchmark's way, so expect a few warnings.""",
    )
    iamctl(env, "validate", ACCOUNT_FILE)

    banner(
        "2. plan: compare the file with the account",
        """The emulator's account is empty: the plan creates the administrator with a console
        password and an access key, attaches AdministratorAccess and sets the alias. Lines
        marked '!' are human steps that no API can do.""",
    )
    iamctl(env, "plan", ACCOUNT_FILE)

    banner(
        "3. apply: make the changes",
        f"""--yes skips the confirmation prompt. The administrator's initial password and
        access key go to one CSV file in {secrets_dir}/, never to the terminal.""",
    )
    iamctl(env, "apply", ACCOUNT_FILE, "--yes", "--secrets-dir", str(secrets_dir))

    banner(
        "4. plan again: is the account in sync?",
        """--detailed-exitcode makes the exit code tell the answer: 0 in sync, 2 changes
        pending, 3 no API changes left but human steps pending.""",
    )
    code = iamctl(env, "plan", ACCOUNT_FILE, "--detailed-exitcode", expect=(0, EXIT_HUMAN_STEPS))
    print(f"\nexit code {code}")
    if code == EXIT_HUMAN_STEPS:
        print(HUMAN_STEPS_EXPLAINED)


HUMAN_STEPS_EXPLAINED = textwrap.dedent(
    """\
    Exit code 3 is expected here: everything an API can do is done, and what is left
    needs a person with a phone. On a real account:
      - the administrator enrols a virtual MFA device: `iamctl mfa enroll administrator`
        (shows a QR code, asks for two consecutive codes);
      - someone signs in as the root user and assigns it an MFA device in the console.
    (The emulator always reports root MFA as off, so that step stays pending here.)"""
)


def show_secrets(secrets_dir: Path) -> None:
    """Where the credentials went: names and permissions only, never the contents."""
    directory = REPO_ROOT / secrets_dir
    if not directory.is_dir():
        print(f"\nNo secrets directory at {secrets_dir}.")
        return
    print(f"\nDelivered credentials (for the emulator only) in {secrets_dir}/:")
    for path in [directory, *sorted(directory.iterdir())]:
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"  {stat.filemode(path.stat().st_mode)}  {shown}")
    print(f"Remove them with: rm -r {secrets_dir}")


def main(argv: list[str]) -> int:
    secrets_dir = Path(argv[0]) if argv else DEFAULT_SECRETS_DIR
    if not argv:
        # Each run starts a new, empty emulator: last run's credentials belong to nobody now.
        shutil.rmtree(REPO_ROOT / secrets_dir, ignore_errors=True)
    print("Starting the IAM emulator (moto) on a free local port...", flush=True)
    url, stop = start_emulator()
    try:
        print(f"Emulator at {url} (account 123456789012, dummy credentials)")
        run_steps(demo_env(url), secrets_dir)
        show_secrets(secrets_dir)
    except DemoFailed as failure:
        print(f"\nDemo failed: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nDemo interrupted.", file=sys.stderr)
        return 130
    finally:
        stop()
        print("Emulator stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
