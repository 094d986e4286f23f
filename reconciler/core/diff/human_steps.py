"""Human steps: what the file asks for that only a person can do (root MFA, enrolling MFA).

Pure, like `diff.py`, whose `diff` calls these.
"""

from __future__ import annotations

from ..changes import HumanStep, StepSubject
from ..state import State, credentials_of

ROOT_MFA_HELP = "sign in as root, Security credentials, Assign MFA device"
ROOT_KEYS_HELP = "sign in as root, Security credentials, Access keys, delete them"


def root_steps(desired: State, live: State) -> list[HumanStep]:
    wanted, current = desired.account.root, live.account.root
    if wanted is None or current is None:
        return []
    steps = []
    if wanted.mfa and not current.mfa:
        steps.append(
            HumanStep(StepSubject.ROOT_MFA, "root user", f"MFA not enabled -> {ROOT_MFA_HELP}")
        )
    if wanted.access_keys is False and current.access_keys:
        steps.append(
            HumanStep(
                StepSubject.ROOT_ACCESS_KEYS, "root user", f"has access keys -> {ROOT_KEYS_HELP}"
            )
        )
    return steps


def user_mfa_steps(desired: State, live: State) -> list[HumanStep]:
    steps = []
    for user in desired.users.values():
        current = live.users.get(user.name)
        has_device = current is not None and bool(credentials_of(current).mfa_devices)
        if user.mfa is not None and not has_device:
            message = f"MFA {user.mfa.value}, no device yet -> run `iamctl mfa enroll {user.name}`"
            steps.append(HumanStep(StepSubject.USER_MFA, user.name, message))
    return steps
