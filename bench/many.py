"""Many accounts in one run: `iamctl plan` over 50 accounts of 200 users, each reached by
assuming a role, against the same run one account after another, with a round trip added to
every call. Also the same run over a fifth of the accounts, to see whether memory grows with
the number of accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import accounts
from bench.measure import Measured, run_iamctl
from bench.plans import BenchError, tail
from bench.server import Emulator

ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class ManyResult:
    accounts: int
    users: int  # per account
    latency: float
    together: Measured  # one run over every account
    few: Measured  # one run over a fifth of them (memory comparison)
    few_accounts: int
    one_by_one_seconds: float  # a run per account, one after the other
    one_by_one_cpu: float
    one_by_one_peak_mb: float


def account_id(index: int) -> str:
    return f"{200000000000 + index:012d}"


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


def seed_accounts(emulator: Emulator, count: int, users: int, workdir: Path) -> list[Path]:
    """Seed `count` accounts (no AWS managed policies, so moto does not load ~1,500 policies
    into each) and write one file per account."""
    emulator.load_aws_policies(False)
    files = []
    try:
        for index in range(count):
            account = account_id(index)
            emulator.seed(accounts.seed(0, users, account, aws_policies=False))
            file = workdir / f"many-{account}.yaml"
            file.write_text(accounts.account_file(users, account, aws_policies=False,
                                                  role_arn=role_arn(account)))
            files.append(file)
    finally:
        emulator.load_aws_policies(True)
    return files


def plan_files(emulator: Emulator, files: Sequence[Path], workdir: Path) -> Measured:
    measured = run_iamctl(["plan", "--detailed-exitcode", *map(str, files)], emulator.url,
                          workdir)
    if measured.code != 0:
        raise BenchError(f"iamctl plan of {len(files)} accounts is not empty or failed "
                         f"(exit {measured.code}): {tail(measured.stderr + measured.stdout)}")
    check_grouped(measured.stdout, files)
    return measured


def check_grouped(stdout: str, files: Sequence[Path]) -> None:
    """Each account's plan is printed whole, in the order the files name the accounts."""
    ids = [file.stem.removeprefix("many-") for file in files]
    positions = [stdout.find(account) for account in ids]
    if -1 in positions or positions != sorted(positions):
        raise BenchError("the plan of many accounts is not grouped by account in file order")


def measure_many(emulator: Emulator, count: int, users: int, latency: float, workdir: Path
                 ) -> ManyResult:
    files = seed_accounts(emulator, count, users, workdir)
    few = max(1, count // 5)
    emulator.set_latency(latency)
    try:
        together = plan_files(emulator, files, workdir)
        fewer = plan_files(emulator, files[:few], workdir)
        alone = [plan_files(emulator, [file], workdir) for file in files]
    finally:
        emulator.set_latency(0.0)
    return ManyResult(
        accounts=count, users=users, latency=latency, together=together, few=fewer,
        few_accounts=few,
        one_by_one_seconds=sum(run.seconds for run in alone),
        one_by_one_cpu=sum(run.cpu_seconds for run in alone),
        one_by_one_peak_mb=max(run.peak_mb for run in alone),
    )
