"""`iamctl access`: who may perform an action, and what one principal may do (pure).

The questions a security reviewer asks ("who can pass roles here?", "what can the CI role
do?"), answered from the access model of the state the files will leave, with the chain that
grants each answer. Text for people, JSON (section 10's shape) for tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..policy import catalog
from .conditions import Verdict
from .model import AccessModel
from .powers import ADMIN, Power, powers
from .principals import ROLE, USER, Principal


@dataclass(frozen=True)
class Grantee:
    principal: Principal
    via: tuple[str, ...]
    conditional: bool  # under a condition iamctl cannot decide

    def to_json(self) -> dict[str, Any]:
        return {"principal": str(self.principal), "via": list(self.via),
                "conditional": self.conditional}


def who_can(model: AccessModel, action: str, resource: str = "*") -> list[Grantee]:
    """Every principal that may perform the action somewhere in `resource`."""
    found = []
    for principal in model.principals():
        answer = model.answer(principal, action, resource)
        if answer.verdict != Verdict.NO:
            found.append(Grantee(principal, answer.via, answer.verdict == Verdict.MAYBE))
    return found


@dataclass(frozen=True)
class Limit:
    """What the organisation's service control policies make of an action in this account
    (`ceiling.py`); `known` False when the run holds no ceiling for the account."""

    known: bool
    verdict: Verdict = Verdict.YES
    via: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        if not self.known:
            return {}
        word = {Verdict.YES: "allow", Verdict.MAYBE: "conditional", Verdict.NO: "deny"}
        return {"service_control_policies": {"verdict": word[self.verdict],
                                             "by": list(self.via)}}

    def text(self) -> str:
        if not self.known or self.verdict == Verdict.YES:
            return ""
        where = " and ".join(self.via)
        if self.verdict == Verdict.NO:
            return f"  (the organisation's ceiling: {where} deny it in this account)\n"
        return f"  (the organisation's ceiling: {where} may deny it, under conditions)\n"


def ceiling_of(model: AccessModel, action: str, resource: str) -> Limit:
    if model.ceiling is None:
        return Limit(False)
    found = model.ceiling.decide(action, resource)
    return Limit(True, found.verdict, found.via)


@dataclass(frozen=True)
class ServiceAccess:
    service: str
    allowed: int
    conditional: int
    known: int  # actions of the service in the catalog

    def to_json(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "conditional": self.conditional, "of": self.known}


@dataclass(frozen=True)
class Profile:
    principal: Principal
    powers: tuple[Power, ...]
    services: tuple[ServiceAccess, ...]
    unread: tuple[str, ...]

    @property
    def admin(self) -> bool:
        return any(power.category == ADMIN for power in self.powers)

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": str(self.principal),
            "admin": self.admin,
            "escalation": [{"method": p.detail, "via": list(p.via),
                            "conditional": p.verdict == Verdict.MAYBE}
                           for p in self.powers if p.category != ADMIN],
            "services": {s.service: s.to_json() for s in self.services},
            "could_not_read": list(self.unread),
        }


def what_can(model: AccessModel, principal: Principal) -> Profile:
    """What the principal may do, service by service, with admin and escalation marked."""
    by_service: dict[str, list[str]] = {}
    for action in sorted(catalog.all_actions()):
        by_service.setdefault(action.split(":", 1)[0], []).append(action)
    services = []
    for service, actions in by_service.items():
        verdicts = [model.answer(principal, action, "*").verdict for action in actions]
        allowed = sum(v != Verdict.NO for v in verdicts)
        if allowed:
            services.append(ServiceAccess(service, allowed, verdicts.count(Verdict.MAYBE),
                                          len(actions)))
    return Profile(principal, tuple(powers(model, principal)), tuple(services),
                   model.incomplete(principal))


def find_principal(model: AccessModel, name: str) -> Principal | None:
    """`alice`, `user alice`, `role ci`, `AWS *`, `account 999999999999`: IAM names ignore
    case."""
    first, _, rest = name.partition(" ")  # a principal type, or the whole of a bare name
    wanted = [p for p in model.principals()
              if (str(p).lower() == name.lower()) or (not rest and p.type in (USER, ROLE)
                                                      and p.name.lower() == first.lower())]
    return wanted[0] if len(wanted) == 1 else None


# Text.


def who_can_text(action: str, resource: str, grantees: Sequence[Grantee]) -> str:
    where = "" if resource == "*" else f" on {resource}"
    if not grantees:
        return f"nobody may call {action}{where} once the files are applied\n"
    width = max(len(str(g.principal)) for g in grantees)
    lines = [f"{len(grantees)} principal{'s' if len(grantees) != 1 else ''} may call "
             f"{action}{where} once the files are applied:"]
    for grantee in grantees:
        chain = " > ".join(grantee.via) or "(its trust policy)"
        maybe = "  (if its conditions hold)" if grantee.conditional else ""
        lines.append(f"  {str(grantee.principal):<{width}}  via {chain}{maybe}")
    return "\n".join(lines) + "\n"


def what_can_text(profile: Profile) -> str:
    lines = [f"{profile.principal}, once the files are applied:"]
    if profile.unread:
        lines.append(f"  could not read {', '.join(profile.unread)}: what follows may be less "
                     "than it can do")
    methods = [p for p in profile.powers if p.category != ADMIN]
    for power in profile.powers:
        if power.category == ADMIN:
            lines.append(f"  ADMIN: {power} via {' > '.join(power.via)}")
    if profile.admin:
        # Full access holds every method and every service: the list would hide the point.
        lines.append(f"  ESCALATION: {len(methods)} methods of the catalog (--json lists them)")
        lines.append(f"  every action of {len(profile.services)} services")
        return "\n".join(lines) + "\n"
    for power in methods:
        lines.append(f"  ESCALATION: {power} via {' > '.join(power.via)}")
    if not profile.services:
        lines.append("  may call nothing")
    width = max((len(s.service) for s in profile.services), default=0)
    for service in profile.services:
        every = " (every action)" if service.allowed == service.known else ""
        maybe = f", {service.conditional} under conditions" if service.conditional else ""
        lines.append(f"  {service.service:<{width}}  {service.allowed} of {service.known} "
                     f"actions{every}{maybe}")
    return "\n".join(lines) + "\n"
