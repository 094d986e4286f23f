"""The pipeline for one account: guard, read, resolve, diff, plan; and apply on top of it.

`cli/` calls these and prints; they never print. `plan_account` makes no AWS call that changes
anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from ..aws.client import Aws, Identity
from ..aws.exact_reads import confirm_credentials, confirm_policy_attachments, confirm_policy_tags
from ..aws.live import LiveAccount, ReadStats, read_live
from ..aws.live_roles import read_role_settings
from ..aws.managed_documents import attached_aws_policies, read_documents
from ..aws.usage import confirm_usage
from ..aws.writers import WriteContext
from ..config.desired import Config, resolve
from ..core.access.documents import Documents, read_first, shipped
from ..core.access.lockout import mark_self_lockout
from ..core.changes import Change, StepSubject
from ..core.diff.attachments import policies_to_read
from ..core.diff.diff import Diff, diff
from ..core.diff.names import align_names
from ..core.diff.rotation import may_be_rotating
from ..core.errors import IamctlError
from ..core.kinds.changes import touches_credentials
from ..core.plan.check_settings import tuned
from ..core.plan.destinations import DEFAULT_DELIVERY, Delivery, Route
from ..core.plan.findings import account_findings
from ..core.plan.plan import Plan, make_plan
from ..core.plan.targets import Target, limit, target_texts
from ..core.state import Caller, State, User, credentials_of
from ..core.wording import plural
from ..delivery.credentials import SecretsSink
from .apply import DEFAULT_PARALLELISM, apply_plan, creates_secret, describe
from .connection import guard


@dataclass(frozen=True)
class AccountPlan:
    config: Config
    aws: Aws
    identity: Identity
    desired: State
    live: State
    plan: Plan
    stats: ReadStats
    # The AWS managed policies' documents the plan was judged with (those it attaches, read
    # from AWS once; then the package's copy): self-lockout at apply and `access` reuse them.
    documents: Documents = shipped


def plan_account(
    config: Config,
    aws: Aws,
    exact_credentials: bool = False,
    delivery: Delivery = DEFAULT_DELIVERY,
    targets: Sequence[Target] = (),
) -> AccountPlan:
    """`exact_credentials`: read every declared user's credentials with exact calls instead of
    trusting the credential report (a drift check that must see a key made a minute ago).
    `delivery`: how apply will deliver new secrets, which the plan names (in this account's
    region). `targets`: a partial plan, of those entities and what they need."""
    started = time.monotonic()
    identity = guard(aws, config)
    live = read_live(aws, identity, aws_catalog=names_aws_policies(config),
                     wanted=config.state.declared)
    desired, spelling = align_names(
        resolve(config, live.aws_policies, identity.partition), live.state
    )
    now = datetime.now(timezone.utc)
    state, result = decide(aws, desired, live, identity, now, exact_credentials)
    if targets:
        result = limit(result, targets, desired)
    documents = read_first(read_documents(aws, attached_aws_policies(result.changes)))
    marked = mark_self_lockout(result.changes, desired, state, caller_of(aws, identity),
                               documents)
    notes = result.notes + spelling + config.trust_notes
    result = replace(result, changes=marked, notes=notes)
    findings = tuned(account_findings(desired, state, now), config.checks)
    plan = make_plan(desired, state, result, findings, delivery_in(aws, delivery), documents,
                     target_texts(targets))
    exact_users = sum(name in state.users for name in desired.users)
    stats = replace(
        live.stats,
        calls=aws.calls,
        seconds=time.monotonic() - started,
        exact_users=exact_users if exact_credentials else None,
    )
    return AccountPlan(config, aws, identity, desired, state, plan, stats, documents)


def delivery_in(aws: Aws, delivery: Delivery) -> Delivery:
    """`delivery` in the account's region; Secrets Manager is regional, and iamctl will not
    pick a region for the secrets on its own (IAM, being global, needs none)."""
    if delivery.route == Route.SECRETS_MANAGER and not aws.region_chosen:
        raise IamctlError(
            "--secrets-to secretsmanager: no region given for the secrets; give --region "
            "(or IAMCTL_REGION, AWS_REGION, or a profile with a region)"
        )
    return replace(delivery, region=aws.region)


def names_aws_policies(config: Config) -> bool:
    """Whether resolving the file's policy references needs the AWS managed policy catalog:
    any reference that is not a policy the file declares, nor an ARN of this account's."""
    own_arn = f":iam::{config.account_id}:policy/"
    return any(
        use.ref not in config.state.policies and own_arn not in use.ref
        for use in config.policy_refs
    )


def decide(
    aws: Aws,
    desired: State,
    live: LiveAccount,
    identity: Identity,
    now: datetime,
    exact_credentials: bool = False,
) -> tuple[State, Diff]:
    """Diff; where the diff would act on facts the bulk read may have stale or lacks, read them
    exactly and diff again, so no plan acts on them: credential facts from the (possibly hours
    old) credential report (and rotating users' keys, which the report can hide), and where a
    policy it replaces or deletes is attached (the bulk read names no roles). With
    `exact_credentials`, every declared user is read exactly first."""
    state = with_role_settings(aws, desired, with_policy_tags(aws, desired, live.state))
    if exact_credentials:
        state = confirm_users(aws, state, desired, desired.users)
    while True:
        result = diff(desired, state, identity.user_name, now, identity.role_name)
        users = users_to_confirm(result, state) | rotating_users(desired, state, now)
        policies = policies_to_read(result.changes, state)
        if not users and not policies:
            return state, result
        state = confirm_users(aws, state, desired, users)
        state = confirm_policy_attachments(aws, state, policies)


def confirm_users(aws: Aws, state: State, desired: State, users: Iterable[str]) -> State:
    """Exact credentials of `users`, and their last use where unused credentials are disabled."""
    state = confirm_credentials(aws, state, users)
    if desired.account.unused_credentials_days is not None:
        state = confirm_usage(aws, state, users)
    return state


def with_policy_tags(aws: Aws, desired: State, live: State) -> State:
    """The bulk read has no policy tags: read them only for policies whose tags the file manages."""
    managed = [
        name
        for name, policy in desired.policies.items()
        if policy.tags is not None and name in live.policies
    ]
    return confirm_policy_tags(aws, live, managed) if managed else live


def with_role_settings(aws: Aws, desired: State, live: State) -> State:
    """The bulk read has no role description nor maximum session duration: read them (one
    ListRoles walk) only when the file manages one of a role that exists."""
    managed = any(
        name in live.roles and (role.description, role.max_session_duration) != (None, None)
        for name, role in desired.roles.items()
    )
    return read_role_settings(aws, live) if managed else live


def users_to_confirm(result: Diff, live: State) -> set[str]:
    acting = {c.name for c in result.changes if touches_credentials(c.kind)}
    acting |= {step.name for step in result.human_steps if step.subject == StepSubject.USER_MFA}
    return {name for name in acting if name in live.users and not confirmed(live.users[name])}


def rotating_users(desired: State, live: State, now: datetime) -> set[str]:
    """Users whose old key may still await its rotation step (the report can hide it)."""
    return {
        name
        for name, user in desired.users.items()
        if user.key_rotation is not None
        and name in live.users
        and not confirmed(live.users[name])
        and may_be_rotating(credentials_of(live.users[name]).access_keys, user.key_rotation, now)
    }


def confirmed(user: User) -> bool:
    return user.credentials is not None and user.credentials.confirmed


def caller_of(aws: Aws, identity: Identity) -> Caller:
    """Who runs iamctl: GetCallerIdentity's user or assumed role, and the access key in use."""
    return Caller(
        user=identity.user_name, role=identity.role_name, access_key_id=aws.access_key_id(),
        session=identity.session_name,
    )


def refuse_self_lockout(planned: Sequence[AccountPlan]) -> None:
    """Before any change: refuse plans with changes that would cut off the credentials running
    iamctl. Judged afresh for the credentials applying, which for a saved plan may not be those
    that made it."""
    found = [
        describe(change)  # ends with its [SELF-LOCKOUT: why]
        for account in planned
        for change in mark_self_lockout(
            account.plan.changes, account.desired, account.live,
            caller_of(account.aws, account.identity), account.documents,
        )
        if change.self_lockout
    ]
    if found:
        raise IamctlError(
            f"refusing to apply {plural(len(found), 'change')} that would cut off the "
            f"credentials running iamctl: {'; '.join(found)}; pass --allow-self-lockout to "
            "apply them anyway; nothing was changed"
        )


def plan_creates_secrets(plan: Plan) -> bool:
    return any(creates_secret(change) for change in plan.changes)


def apply_account(
    planned: AccountPlan,
    sink: SecretsSink | None,
    on_done: Callable[[Change], None],
    parallelism: int = DEFAULT_PARALLELISM,
    plan: Plan | None = None,
    stop: threading.Event | None = None,
) -> list[Change]:
    """Carries out `plan` (by default the one just made) on the planned account; no new change
    starts once `stop` is set."""
    password_policy = (
        planned.desired.account.password_policy or planned.live.account.password_policy
    )
    ctx = WriteContext(planned.aws, password_policy, sink)
    return apply_plan(plan or planned.plan, ctx, on_done, parallelism, stop)
