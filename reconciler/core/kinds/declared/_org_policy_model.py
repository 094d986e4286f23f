"""Organization policies (`organization.service_control_policies`, `.resource_control_policies`):
each type's AWS facts, the model, and the file's checks, made offline on the exact minified JSON
apply sends. Shared by the two kinds' declarations; the diff is `_org_policy_diff.py`, how a plan
says and judges the changes `_org_policy_plan.py`.

The figures are AWS Organizations' quotas page
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html): a
service control or resource control policy holds at most 5,120 characters, all of them counted
(the API keeps whitespace; only the console strips it), and a root, OU or account holds at most 5
of each type, AWS's own full-access policy included. The page has changed: the SCP size was once
given in bytes, and the SCPs an organisation may hold went from 1,000 to 10,000.

Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ...organization import Organization, find_target, reference
from ...policy.documents import as_dict, canonical, document_problems, parse
from ...policy.meaning import meaning_key
from ...state import Document
from ..declaration import FileEntry, Place

EVERYWHERE = "everywhere"  # root, every OU and every account, now and to come
MAX_SIZE = 5120
MAX_PER_TARGET = 5
_NAME = re.compile(r"[^\x00-\x1f]{1,128}")  # CreatePolicy: 1 to 128 characters

# The services whose resources an RCP can guard (the RCP pages of the Organizations User Guide):
# an action of any other service in an RCP is a mistake that would guard nothing.
RCP_SERVICES = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager", "cognito-identity", "ecr",
                          "logs", "dynamodb", "aoss"})


@dataclass(frozen=True)
class PolicyType:
    """What differs between service control and resource control policies."""

    section: str  # the file's key under `organization:`, the kind's section
    api: str  # Organizations' PolicyType / Filter value
    label: str  # "service control policy"
    short: str  # "SCP", as a plan line names one
    full_access: str  # AWS's own policy that allows everything
    # Whether AWS lets its full-access policy be detached (the SCP one, yes; the RCP one, never).
    full_access_detachable: bool
    # Whether a target must always hold one of the type: AWS refuses to detach an SCP that is
    # the last of its target (an RCP's target always keeps RCPFullAWSAccess).
    never_bare: bool
    grammar: Callable[[dict[str, Any]], list[Problem]]

    @property
    def plural(self) -> str:
        return self.label.replace("policy", "policies")


# Where in a document (`("Statement", 0, "Principal")`); a grammar mistake there, and what.
Where = tuple[str | int, ...]
Problem = tuple[Where, str]


def scp_grammar(document: dict[str, Any]) -> list[Problem]:
    """An SCP limits the principals of the accounts it reaches: it names none itself."""
    return [((*where, key), f"a service control policy has no {key}: it applies to every "
                            "principal of the accounts it reaches")
            for where, statement in _statements(document)
            for key in ("Principal", "NotPrincipal") if key in statement]


def rcp_grammar(document: dict[str, Any]) -> list[Problem]:
    """An RCP (the Organizations User Guide, RCP syntax): Deny statements only, each with
    `"Principal": "*"`, no NotPrincipal or NotAction, actions of the services RCPs support."""
    problems: list[Problem] = []
    for where, statement in _statements(document):
        if statement.get("Effect") != "Deny":
            problems.append(((*where, "Effect"), "a resource control policy denies only: AWS "
                             "allows Allow in its own RCPFullAWSAccess alone"))
        if statement.get("Principal") != "*":
            problems.append(((*where, "Principal"), 'a resource control policy names '
                             '"Principal": "*" in every statement (conditions say whom it '
                             'spares)'))
        for key in ("NotPrincipal", "NotAction"):
            if key in statement:
                problems.append(((*where, key), f"a resource control policy has no {key}"))
        problems += [((*where, "Action"), message) for message in _rcp_actions(statement)]
    return problems


def _rcp_actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    services = {action.split(":", 1)[0].lower() for action in actions
                if isinstance(action, str) and ":" in action}
    outside = sorted(services - RCP_SERVICES)
    if not outside:
        return []
    return [f"{', '.join(outside)}: resource control policies guard the resources of "
            f"{', '.join(sorted(RCP_SERVICES))} only"]


def _statements(document: dict[str, Any]) -> list[tuple[Where, dict[str, Any]]]:
    """Each statement with its place: `Statement` may be one object rather than a list, and
    then a mistake in it is at `Statement.Principal`, not at a `Statement[0]` the file lacks."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        return [(("Statement",), statements)]
    if not isinstance(statements, list):
        return []
    return [(("Statement", index), statement) for index, statement in enumerate(statements)
            if isinstance(statement, dict)]


SCP = PolicyType("service_control_policies", "SERVICE_CONTROL_POLICY", "service control policy",
                 "SCP", "FullAWSAccess", True, True, scp_grammar)
RCP = PolicyType("resource_control_policies", "RESOURCE_CONTROL_POLICY",
                 "resource control policy", "RCP", "RCPFullAWSAccess", False, False, rcp_grammar)


@dataclass(frozen=True)
class OrgPolicy:
    name: str
    description: str | None = None  # desired None: not managed
    document: Document | None = None  # None: AWS's own policy, whose content is not managed
    # Desired: the references as written (`root`, `ou:Workloads`, an account's id or name);
    # live: the ids of the nodes it is attached to (`r-...`, `ou-...`, account ids).
    targets: tuple[str, ...] = ()
    everywhere: bool = False  # desired: `targets: everywhere`
    tags: Mapping[str, str] | None = None  # desired None: not managed
    aws_managed: bool = False
    # Desired only: where each target reference is written, for an error the reader finds.
    places: Mapping[str, Place] = field(default_factory=dict, compare=False)
    # Desired only: where the file gives its targets, for a plan AWS would refuse because of them.
    place: Place | None = field(default=None, compare=False)
    policy_id: str = ""  # live only: `p-...`
    # Live only: the targets as the file names them (`root`, `ou:Workloads`, an account's id),
    # for export, which writes `everywhere` (`everywhere` true) for a policy on every target.
    target_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyContext:
    """What a type's diff needs beside the policies it manages: the organisation, whether the
    type is enabled on the root, and every policy of the type as read (those `ignore` names
    too, whose attachments count toward each target's quota and keep a target covered)."""

    organization: Organization
    enabled: bool
    every: Mapping[str, OrgPolicy]

    def nodes(self) -> tuple[str, ...]:
        """Every target a policy can be attached to: the root, each OU, each account."""
        org = self.organization
        return (org.root, *sorted(org.units), *sorted(org.accounts))

    def node_name(self, node: str) -> str:
        """How the file names a node: `root`, `ou:Workloads/Prod`, an account's id (name)."""
        account = self.organization.accounts.get(node)
        named = reference(self.organization, node)
        return f"{named} ({account.name})" if account else named

    def above(self, node: str) -> tuple[str, ...]:
        """The nodes above `node`, from its parent up to the root: whatever they hold reaches
        every account under `node` too."""
        org = self.organization
        parent = org.accounts[node].parent if node in org.accounts else \
            org.units[node].parent if node in org.units else None
        found: list[str] = []
        while parent is not None:
            found.append(parent)
            parent = org.units[parent].parent if parent in org.units else None
        return tuple(found)

    def accounts_reached(self, nodes: Iterable[str]) -> int:
        """The active member accounts policies on `nodes` reach together, each once: SCPs and
        RCPs never limit the management account, which is not counted."""
        org = self.organization
        return len({account.id for node in nodes for account in org.accounts_under(node)
                    if account.active and account.id != org.management})

    def resolve(self, wanted: OrgPolicy) -> frozenset[str]:
        """The nodes a declared policy's targets name (the reader has checked each names one)."""
        if wanted.everywhere:
            return frozenset(self.nodes())
        return frozenset(find_target(self.organization, ref) for ref in wanted.targets)


def from_file(policy_type: PolicyType) -> Callable[[FileEntry], OrgPolicy]:
    def build(entry: FileEntry) -> OrgPolicy:
        data = entry.data
        if not _NAME.fullmatch(data["name"]):
            raise entry.error(("name",), "1 to 128 characters, none a control character")
        if data.get("aws_managed"):
            return _aws_managed(policy_type, entry)
        if data["name"] == policy_type.full_access:
            # AWS refuses to change its own policy, and a second one of its name: declared
            # with a document, it would be planned for an update AWS refuses half-way.
            raise entry.error(("name",), f"{policy_type.full_access} is AWS's own: declare it "
                              "with `aws_managed: true` and its targets only")
        targets = data.get("targets", [])
        return OrgPolicy(
            name=data["name"], description=data.get("description"),
            document=_document(policy_type, entry), targets=_refs(targets),
            everywhere=targets == EVERYWHERE, tags=_tags(data), places=_places(entry, targets),
            place=Place.at(entry, ("targets",)))
    return build


def per_target(policy_type: PolicyType) -> Callable[[Sequence[tuple[FileEntry, OrgPolicy]]],
                                                    None]:
    """The files' own count on each target they name, offline: over the quota at the entry
    that passes it. `everywhere` counts on every target; AWS's RCPFullAWSAccess holds a place
    on each whether declared or not. References are compared as written (an account named by
    id and by name is one target only once the plan has resolved them, with the live policies
    iamctl does not manage: the plan counts again)."""
    def check(entries: Sequence[tuple[FileEntry, OrgPolicy]]) -> None:
        always = () if policy_type.full_access_detachable else (policy_type.full_access,)
        everywhere: list[str] = list(always)
        named: dict[str, list[str]] = {}
        for entry, policy in entries:
            if policy.name in always:
                continue
            if policy.everywhere:
                everywhere.append(policy.name)
            for ref in policy.targets:
                named.setdefault(ref, []).append(policy.name)
            full = [(ref, names) for ref, names in named.items()
                    if len(everywhere) + len(names) > MAX_PER_TARGET]
            if len(everywhere) > MAX_PER_TARGET:
                full = [(EVERYWHERE, [])]
            if full:
                _over(policy_type, entry, policy, *full[0], everywhere)
    return check


def _over(policy_type: PolicyType, entry: FileEntry, policy: OrgPolicy, ref: str,
          names: list[str], everywhere: list[str]) -> NoReturn:
    held = sorted({*everywhere, *names})
    where = "every target" if ref == EVERYWHERE else ref
    field: tuple[str | int, ...] = ("targets",) if policy.everywhere \
        else ("targets", policy.targets.index(ref))
    raise entry.error(field, f"{where} would hold {len(held)} {policy_type.plural} in these "
                             f"files ({', '.join(held)}); AWS allows {MAX_PER_TARGET} per target")


def _aws_managed(policy_type: PolicyType, entry: FileEntry) -> OrgPolicy:
    """AWS's own policy: its targets alone are managed."""
    data = entry.data
    if data["name"] != policy_type.full_access:
        raise entry.error(("aws_managed",), f"AWS's own {policy_type.label} is "
                          f"{policy_type.full_access}; declare any other with its document")
    for key in ("document", "document_file", "description", "tags"):
        if key in data:
            raise entry.error((key,), f"{policy_type.full_access} is AWS's own: only its targets "
                              "are managed")
    targets = data.get("targets", [])
    if not policy_type.full_access_detachable and targets != EVERYWHERE:
        raise entry.error(("targets",), f"AWS attaches {policy_type.full_access} everywhere and "
                          "never lets it be detached: write `targets: everywhere`")
    return OrgPolicy(name=data["name"], targets=_refs(targets), everywhere=targets == EVERYWHERE,
                     aws_managed=True, places=_places(entry, targets),
                     place=Place.at(entry, ("targets",)))


def _refs(targets: Any) -> tuple[str, ...]:
    return () if targets == EVERYWHERE else tuple(dict.fromkeys(targets))


def _places(entry: FileEntry, targets: Any) -> dict[str, Place]:
    if targets == EVERYWHERE:
        return {}
    places: dict[str, Place] = {}
    for index, ref in enumerate(targets):
        if ref not in places:
            places[ref] = Place.at(entry, ("targets", index))
    return places


def _tags(data: Mapping[str, Any]) -> dict[str, str] | None:
    return dict(data["tags"]) if "tags" in data else None


def _document(policy_type: PolicyType, entry: FileEntry) -> Document:
    """The document as written or in its file, checked as AWS would: its type's grammar, IAM's
    own checks, then the size of the minified JSON apply sends."""
    data = entry.data
    if ("document" in data) == ("document_file" in data):
        raise entry.error((), "give exactly one of document and document_file")
    field_name = "document" if "document" in data else "document_file"
    written = data["document"] if "document" in data else entry.read_document(("document_file",))
    in_file = "" if field_name == "document" else f"{data['document_file']}: "
    problems = _grammar_problems(policy_type, written)
    if problems:
        where, message = problems[0]
        rest = (field_name,) if in_file else (field_name, *where)
        raise entry.error(rest, in_file + message)
    document = canonical(written)
    size = len(document.text)
    if size > MAX_SIZE:
        raise entry.error((field_name,), f"{in_file}{size:,} characters as sent (minified): AWS "
                          f"allows {MAX_SIZE:,} in a {policy_type.label}")
    return document


def _grammar_problems(policy_type: PolicyType, written: Any) -> list[Problem]:
    """The type's rules first (a Principal in an SCP is its own mistake, not an unknown key),
    then IAM's checks of the document without the Principal an RCP must carry."""
    if isinstance(written, dict):
        found = policy_type.grammar(written)
        if found:
            return found
        written = _without_principal(written)
    return [(problem.where, problem.message) for problem in document_problems(written)]


def _without_principal(document: dict[str, Any]) -> dict[str, Any]:
    """The document as IAM's checks take it: the Principal an RCP's grammar has checked is
    out (in an identity policy it would be a mistake), whether `Statement` is a list or one."""
    statements = document.get("Statement")
    if isinstance(statements, dict):
        return {**document, "Statement": _no_principal(statements)}
    if not isinstance(statements, list):
        return document
    return {**document, "Statement": [_no_principal(s) for s in statements]}


def _no_principal(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    return {key: value for key, value in statement.items() if key != "Principal"}


def allow_statements(document: Document | None) -> list[dict[str, Any]]:
    return [s for _, s in _statements(as_dict(document)) if s.get("Effect") == "Allow"] \
        if document is not None else []


def statements_by_meaning(document_text: str, effect: str) -> dict[str, dict[str, Any]]:
    """The statements of one effect, keyed by their meaning (a Sid names, it does not grant),
    each as written."""
    if not document_text:
        return {}
    written = parse(document_text).get("Statement", [])
    written = [written] if isinstance(written, dict) else written
    found = {}
    for statement in written:
        if isinstance(statement, dict) and statement.get("Effect") == effect:
            bare = {key: value for key, value in statement.items() if key != "Sid"}
            found[meaning_key({"Statement": [bare]})] = statement
    return found
