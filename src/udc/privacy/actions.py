"""The rulebook: every action a principal can take, who may take it, under which agreement — checked and audited here.

Every door — the Python facade, the CLI (which calls the facade), the web pages, the JSON API and Open311 — reaches an
action through :func:`ensure`, so the same forbidden action gets the same refusal and the same audit entries whichever
door it came through. ``ensure`` is a context manager around the action's work: it writes the intent (with the
agreement the principal acts under), refuses with the right status (401 for the anonymous, 403 for the known), and
writes the outcome (done with what the block reports, refused or failed) — the audit log's :func:`audited` underneath.

Three questions, in order:

1. **Role**: may this role take this action at all (:data:`ACTIONS`)?
2. **Scope**: for actions on a municipality's things (reports, announcements), is the target inside the principal's
   municipalities (admins: everywhere)?
3. **Agreement** (:mod:`udc.privacy.parties`): does the principal's party hold an agreement valid *today* that covers
   the dataset and area level, and allows the kind of table (ad-hoc or only defined tables and releases)? The store's
   own operating-system account (``udc.open()`` without a user) acts for the installation and is bound by none.

Data-specific rules stay where the data are: a dataset's sensitivity (:mod:`udc.privacy.export`), the disclosure
policy (:mod:`udc.privacy.gate`). What they refuse is audited under the same ``ensure`` block.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from udc.areas.codes import gemeente_of
from udc.errors import Forbidden, NotSignedIn, UdcError
from udc.privacy.audit import AuditLog, audited, store_log
from udc.privacy.parties import Agreement
from udc.privacy.principal import PUBLIC, User, owner_account

EVERYONE = frozenset({"public", "analyst", "researcher", "admin", "staff"})
SIGNED_IN = EVERYONE - {"public"}
ADMIN = frozenset({"admin"})
GATE = frozenset({"researcher", "admin"})
STAFF = frozenset({"staff", "admin"})


@dataclass(frozen=True)
class Action:
    """One thing a principal can do: who may, what it is called in refusals, how the agreement is consulted.

    ``data``: ``"adhoc"`` (an ad-hoc table: the agreement must allow them and cover dataset and level),
    ``"defined"`` (a table defined in advance or a release: the agreement must cover the dataset), ``"read"``
    (rows read out: an internal dataset must be covered), ``"any"`` (no dataset: a valid agreement suffices),
    ``None`` (not bound to agreements: signing in and out, residents' reports)."""

    name: str
    roles: frozenset[str]
    what: str
    data: str | None = "any"
    scoped: bool = False


def _actions(*actions: Action) -> dict[str, Action]:
    return {a.name: a for a in actions}


ACTIONS: dict[str, Action] = _actions(
    # reading and the gate
    Action("export", EVERYONE, "read this dataset", data="read"),
    Action("gate.crosstab", GATE, "query microdata", data="adhoc"),
    Action("gate.cube", GATE, "query microdata", data="defined"),
    Action("gate.cube_tables", GATE, "query microdata", data=None),  # each table of an admitted cube, recorded
    Action("gate.defined", ADMIN, "run tables defined in advance", data="defined"),
    Action("gate.linked", ADMIN, "run linked suppressed tables", data="defined"),
    Action("gate.release", GATE, "release tables", data="defined"),
    Action("gate.release_derived", GATE, "release tables", data="defined"),
    Action("policy.set", ADMIN, "change the disclosure policy"),
    # imports and the catalogue
    Action("import.areas", ADMIN, "import area files"),
    Action("import.statline", ADMIN, "import StatLine tables"),
    Action("import.statline_offline", ADMIN, "import StatLine tables"),
    Action("import.municipal", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.kwb", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.eurostat", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.regionalstatistik", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.charging", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.bag", ADMIN | {"analyst"}, "import municipal data"),
    Action("import.bag_official", ADMIN, "import the BAG the registers are linked to"),
    Action("import.shopping_areas", ADMIN, "draw the shopping areas"),
    Action("leegstand.link", ADMIN, "link person-level tables"),
    Action("import.meldingen", ADMIN, "snapshot reports"),
    Action("import.categories", ADMIN, "import report categories"),
    Action("link.areas", ADMIN | {"analyst"}, "link area tables"),
    Action("link.persons", GATE, "link person-level tables"),
    Action("microdata.register", GATE, "register microdata"),
    Action("areas.region", ADMIN | {"analyst"}, "define regions"),
    Action("areas.add", ADMIN, "add areas"),
    Action("demo.build", ADMIN, "build the demo"),
    # indicators, definitions, monitors
    Action("indicators.add", ADMIN, "add indicator definitions"),
    # computing reads its datasets: internal ones as a read would (role, scope), microdata only through the gate
    Action("indicators.compute", EVERYONE, "compute indicators", data=None),
    Action("definitions.export", ADMIN, "export definition packages"),
    Action("definitions.verify", ADMIN, "verify definition packages"),
    Action("definitions.import", ADMIN, "import definition packages"),
    Action("study.determinants", GATE, "run background studies", data="adhoc"),
    Action("laden.prognose", GATE, "run background studies", data="adhoc"),
    Action("laden.nal", GATE, "run background studies", data="adhoc"),
    Action("leegstand.dwellings", GATE, "run background studies", data="adhoc"),
    Action("leegstand.release", GATE, "release background studies", data="defined"),
    Action("winkelgebieden.vacancy", ADMIN | {"analyst", "researcher"}, "read internal registers", data="read"),
    Action("laden.release", GATE, "release background studies", data="defined"),
    Action("study.expected", GATE, "run background studies", data="adhoc"),
    Action("study.release", GATE, "release background studies", data="defined"),
    Action("study.stacking", ADMIN, "run tables defined in advance", data="defined"),
    Action("monitor.add", ADMIN, "add programmes"),
    Action("monitor.report", ADMIN, "run monitors"),
    Action("monitor.release", ADMIN, "release monitors"),
    Action("monitor.baseline", ADMIN, "freeze baselines"),
    # users, parties, agreements
    Action("user.add", ADMIN, "manage users", data=None),
    Action("user.grant", ADMIN, "manage users", data=None),
    Action("user.disable", ADMIN, "manage users", data=None),
    Action("token.issue", ADMIN, "issue API tokens", data=None),
    Action("token.revoke", ADMIN, "revoke API tokens", data=None),
    Action("parties.add", ADMIN, "manage parties", data=None),
    Action("parties.member", ADMIN, "manage parties", data=None),
    Action("agreements.add", ADMIN, "manage agreements", data=None),
    Action("agreements.end", ADMIN, "manage agreements", data=None),
    Action("login", EVERYONE, "sign in", data=None),
    Action("login.failed", EVERYONE, "sign in", data=None),
    Action("login.throttled", EVERYONE, "sign in", data=None),  # too many failures: counted (:func:`count`)
    Action("logout", EVERYONE, "sign out", data=None),
    # participation
    Action("participation.setup", ADMIN, "set up participation"),
    Action("participation.key", ADMIN, "issue API keys"),
    Action("participation.key.revoke", ADMIN, "revoke API keys"),
    Action("participation.retention", ADMIN, "run the retention"),
    Action("participation.export", STAFF, "export reports"),
    Action("participation.list", STAFF, "handle reports", scoped=True),
    Action("participation.status", STAFF, "handle reports", scoped=True),
    Action("participation.merge", STAFF, "handle reports", scoped=True),
    Action("participation.approve_text", STAFF, "handle reports", scoped=True),
    Action("participation.contact", STAFF, "handle reports", scoped=True),
    Action("participation.announce", STAFF, "post announcements", scoped=True),
    Action("participation.ask", STAFF, "ask questions", scoped=True),
    Action("participation.request", EVERYONE, "post service requests"),  # a partner app: its party's agreement
)


def rule(action: str) -> Action:
    try:
        return ACTIONS[action]
    except KeyError:
        raise UdcError(f"unknown action '{action}'") from None  # a programming error, said plainly


def refusal(
    principal: User,
    action: str,
    target: str | list[str] | None = None,
    *,
    level: str | None = None,
    day: date | None = None,
) -> tuple[Agreement | None, str | None, type[UdcError]]:
    """Whether ``principal`` may take ``action`` on ``target`` today: (the agreement it would act under, the refusal
    message or None, the error type). Pure: no audit — pages use it to decide what to offer."""
    act = rule(action)
    if principal.role not in act.roles:
        if principal == PUBLIC:  # nobody signed in (a signed-in account with role public is refused: 403)
            return None, f"sign in to {act.what}", NotSignedIn
        return None, f"user '{principal.name}' ({principal.role}) may not {act.what}; {_who(act)} may", Forbidden
    outside = _outside_scope(principal, act, target)
    if outside:
        return None, f"{', '.join(outside[:3])}: not in your municipalities", Forbidden
    if act.data is None or principal.owner or principal.party is None:  # not loaded from the accounts: own code
        return None, None, Forbidden
    return _agreement(principal, act, target if isinstance(target, str) else None, level, day or date.today())


def _who(act: Action) -> str:
    """The roles that may, as people say it: "researchers and admins"."""
    names = [r if r == "staff" else f"{r}s" for r in ("analyst", "researcher", "staff", "admin") if r in act.roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _outside_scope(principal: User, act: Action, target: str | list[str] | None) -> list[str]:
    """Targets (area codes) of a scoped action outside a staff member's municipalities."""
    if not act.scoped or principal.role == "admin" or target is None:
        return []
    targets = [target] if isinstance(target, str) else target
    return [t for t in targets if gemeente_of(t) not in principal.scopes]


def _agreement(
    principal: User, act: Action, dataset: str | None, level: str | None, day: date
) -> tuple[Agreement | None, str | None, type[UdcError]]:
    """The first of the party's agreements valid on ``day`` that allows the action, or why none does."""
    valid = [a for a in principal.agreements if a.valid_on(day)]
    if not valid:
        ended = max((a.valid_until for a in principal.agreements if a.valid_until), default=None)
        when = f" (the last one ended on {ended.isoformat()})" if ended and ended < day else ""
        return None, f"party '{principal.party}' has no agreement valid today{when}: no access", Forbidden
    if act.data == "adhoc":  # first what kind of table: a party without ad-hoc rights hears that, whatever it asks
        valid = [a for a in valid if a.adhoc]
        if not valid:
            return None, f"the agreement of party '{principal.party}' does not allow ad-hoc tables", Forbidden
    if act.data in ("read", "adhoc", "defined") and dataset is not None:  # read: the caller names internal data only
        valid = [a for a in valid if a.covers(dataset)]
        if not valid:
            return None, f"'{dataset}' is not covered by an agreement of party '{principal.party}'", Forbidden
    if act.data == "adhoc":
        valid = [a for a in valid if a.covers_level(level)]
        if not valid:
            return None, f"the agreement of party '{principal.party}' does not allow tables by {level}", Forbidden
    return valid[0], None, Forbidden


@contextmanager
def ensure(
    principal: User,
    action: str,
    target: str | list[str] | None = None,
    *,
    audit: AuditLog | None,
    detail: dict[str, Any] | None = None,
    level: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Check ``principal`` may take ``action`` on ``target`` (role, scope, agreement) and audit the intent, the
    refusal or the outcome. Yields the dict the block fills with what the outcome entry should record."""
    agreement, message, error = refusal(principal, action, target, level=level)
    entry = dict(detail or {})
    if agreement is not None:
        entry["agreement"] = agreement.name
    with audited(audit, principal.name, action, entry) as outcome:
        if message is not None:
            raise error(message)
        yield outcome


def within(principal: User, action: str, target: str, subject: str) -> None:
    """Refuse (inside the action's ``ensure`` block, so the refusal is audited) when ``target`` — an area code
    found only once the action has started, e.g. a report's municipality — lies outside the principal's scopes."""
    if _outside_scope(principal, rule(action), target):
        raise Forbidden(f"{subject}: not one of your municipalities")


def scope_filter(principal: User, action: str) -> tuple[str, ...] | None:
    """The municipalities a scoped action's listing is limited to (None: everywhere — an admin)."""
    return None if not rule(action).scoped or principal.role == "admin" else principal.scopes


def refuse_unless(principal: User, action: str, target: str | list[str] | None = None) -> None:
    """The same refusal as :func:`ensure`, without an audit entry: for listings read many times a day (a staff
    member's report queue), where the list itself is not an output of personal data."""
    message, error = refusal(principal, action, target)[1:]
    if message is not None:
        raise error(message)


def may(principal: User, action: str, target: str | list[str] | None = None, *, level: str | None = None) -> bool:
    """Whether ``ensure`` would let this through (no audit): what a page offers, a menu shows."""
    return refusal(principal, action, target, level=level)[1] is None


def agreement_for(principal: User, action: str, target: str | None = None) -> Agreement | None:
    """The agreement ``principal`` would act under (None: the installation's own account, or not bound)."""
    return refusal(principal, action, target)[0]


def record(principal: User | str, action: str, detail: dict[str, Any], *, audit: AuditLog | None) -> None:
    """One entry for an event that is not a permission (a sign-in attempt, a sign-out): still written here, so the
    audit vocabulary lives in one place."""
    rule(action)
    if audit is not None:
        audit.append(principal if isinstance(principal, str) else principal.name, action, detail)


def count(principal: User | str, action: str, detail: dict[str, Any], status: int, *, audit: AuditLog | None) -> None:
    """A refusal anyone can repeat in a loop (a throttled sign-in): counted per interval by the audit log, not
    written one entry each (:meth:`udc.privacy.audit.AuditLog.tally`)."""
    rule(action)
    if audit is not None:
        audit.tally(principal if isinstance(principal, str) else principal.name, action, detail, status)


def performs(
    action: str, describe: Callable[..., dict[str, Any]], result: Callable[[Any], dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate an API function whose first argument is a store: ``user=`` names who acts (the store's own account
    when omitted); the rulebook checks and audits the call — whichever interface called it."""

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def inner(store: Any, *args: Any, user: User | None = None, **kwargs: Any) -> Any:
            principal = user or owner_account()
            with ensure(principal, action, audit=store_log(store.path), detail=describe(*args, **kwargs)) as outcome:
                value = function(store, *args, **kwargs)
                if result is not None:
                    outcome |= result(value)
            return value

        return inner

    return wrap


def may_read(principal: User, sensitivity: str, released: bool) -> bool:
    """Whether ``principal``'s role may read a dataset of this sensitivity *as output* (microdata never: that is the
    gate's job). Analysts read internal data only row by row within their scopes (:func:`reads_by_scope`)."""
    if sensitivity == "open" or released:
        return True
    return sensitivity == "internal" and principal.role in ("analyst", "researcher", "admin")


def reads_by_scope(principal: User) -> bool:
    """Analysts take internal rows out only for the areas of their scopes (:mod:`udc.privacy.export` filters)."""
    return principal.role == "analyst"
