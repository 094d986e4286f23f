"""`make release-check`: build what a release ships and try it as a user gets it.

Builds the sdist and, from it, the wheel into dist/ (`python -m build`), checks that both carry
LICENSE and this version, then installs the wheel alone in a fresh virtual environment, outside
the source tree, and runs it: `iamctl --version`; `iamctl-emulator` without the `emulator` extra
(one line naming it); with the extra, `iamctl-emulator` and a first plan against it from the
variables it prints; then the demo (validate, plan, apply, plan again) with the wheel's iamctl.
The release workflow runs this before it publishes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DIST = REPO_ROOT / "dist"
TUTORIAL = REPO_ROOT / "examples" / "tutorial" / "account.yaml"
NO_MOTO = "error: iamctl-emulator needs moto: pip install 'iamctl[emulator]'"
TIMEOUT_SECONDS = 600


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"release-check: {message}", flush=True)


def version() -> str:
    """This tree's version, read as setuptools reads it (the one assignment in __init__.py)."""
    namespace: dict[str, str] = {}
    exec((REPO_ROOT / "reconciler" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; its standard output, or CheckFailed with everything it printed."""
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        raise CheckFailed(f"{' '.join(map(str, args))} exited {done.returncode}:\n"
                          f"{done.stdout}{done.stderr}")
    return done.stdout


def build(release: str) -> tuple[Path, Path]:
    step("building the sdist and, from it, the wheel")
    shutil.rmtree(DIST, ignore_errors=True)
    run(sys.executable, "-m", "build", "--outdir", DIST, REPO_ROOT, cwd=REPO_ROOT)
    sdist, wheel = DIST / f"iamctl-{release}.tar.gz", DIST / f"iamctl-{release}-py3-none-any.whl"
    if sorted(DIST.iterdir()) != sorted([sdist, wheel]):
        raise CheckFailed(f"expected {sdist.name} and {wheel.name} in dist/")
    with tarfile.open(sdist) as archive:
        in_sdist = set(archive.getnames())
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    for name, names in ((f"iamctl-{release}/LICENSE", in_sdist),
                        (f"iamctl-{release}.dist-info/licenses/LICENSE", in_wheel)):
        if name not in names:
            raise CheckFailed(f"{name} is missing")
    return sdist, wheel


def user_env(venv: Path) -> dict[str, str]:
    """A user's shell with the fresh environment first on PATH and no AWS settings of ours."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.pop("CI", None)  # the demo is for a person at a terminal
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def install(wheel: Path, venv: Path, work: Path) -> None:
    step(f"installing {wheel.name} alone in a fresh virtual environment")
    run(sys.executable, "-m", "venv", venv, cwd=work)
    pip = (venv / "bin" / "python", "-m", "pip", "install", "--quiet")
    run(*pip, "-c", REPO_ROOT / "constraints.txt", wheel, cwd=work)
    where = run(venv / "bin" / "python", "-c", "import reconciler; print(reconciler.__file__)",
                cwd=work)
    if not Path(where.strip()).is_relative_to(venv):
        raise CheckFailed(f"the fresh environment imports iamctl from {where.strip()}")


def check_version(venv: Path, work: Path, release: str) -> None:
    shown = run(venv / "bin" / "iamctl", "--version", cwd=work).strip()
    if shown != f"iamctl, version {release}":
        raise CheckFailed(f"iamctl --version printed {shown!r}")
    step(f"iamctl --version: {shown}")


def check_emulator_needs_the_extra(venv: Path, work: Path) -> None:
    done = subprocess.run([venv / "bin" / "iamctl-emulator"], cwd=work, capture_output=True,
                          text=True, timeout=TIMEOUT_SECONDS)
    if (done.returncode, done.stdout, done.stderr.strip()) != (1, "", NO_MOTO):
        raise CheckFailed(f"iamctl-emulator without moto: exit {done.returncode}, "
                          f"{done.stdout}{done.stderr}")
    step(f"iamctl-emulator without the extra: {NO_MOTO}")


def first_plan_on_the_emulator(venv: Path, work: Path, env: dict[str, str]) -> None:
    """`iamctl-emulator` as a person runs it: export what it prints, then plan."""
    emulator = subprocess.Popen([venv / "bin" / "iamctl-emulator"], cwd=work, env=env,
                                stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        told = dict(env)
        for line in emulator.stdout:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                told[name] = value
            elif line.startswith("unset "):
                break
        if "AWS_ENDPOINT_URL" not in told:
            raise CheckFailed("iamctl-emulator printed no export AWS_ENDPOINT_URL line")
        step(f"iamctl-emulator serves at {told['AWS_ENDPOINT_URL']}")
        plan = run(venv / "bin" / "iamctl", "plan", TUTORIAL, cwd=work, env=told)
        if "attach AdministratorAccess" not in plan:
            raise CheckFailed(f"the first plan does not attach AdministratorAccess:\n{plan}")
        step("a first plan against it: " + plan.strip().splitlines()[-1])
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.communicate(timeout=30)


def main() -> int:
    release = version()
    try:
        _, wheel = build(release)
        with tempfile.TemporaryDirectory(prefix="iamctl-release-") as scratch:
            work = Path(scratch)
            venv = work / "venv"
            install(wheel, venv, work)
            check_version(venv, work, release)
            check_emulator_needs_the_extra(venv, work)
            run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "-c",
                REPO_ROOT / "constraints.txt", f"{wheel}[emulator]", cwd=work)
            env = user_env(venv)
            first_plan_on_the_emulator(venv, work, env)
            step("the demo with the wheel's iamctl")
            demo = [venv / "bin" / "python", REPO_ROOT / "scripts" / "demo.py", work / "secrets"]
            if subprocess.run(demo, cwd=work, env=env, timeout=TIMEOUT_SECONDS).returncode:
                raise CheckFailed("the demo failed")
    except (CheckFailed, subprocess.TimeoutExpired) as failure:
        print(f"release-check: FAILED: {failure}", file=sys.stderr)
        return 1
    step(f"ok: iamctl {release}, {', '.join(sorted(p.name for p in DIST.iterdir()))} in dist/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
