"""The facade's shape: ``udc.__all__`` is what the package offers, the core of :class:`udc.Udc` stays small, every
noun's public method is documented and typed, and ``acting``, parties and agreements behave through the rulebook."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest

import udc
import udc.facade
from cli_runner import udc as run_udc
from udc.errors import Forbidden
from udc.facade.base import Noun
from udc.privacy.access import get_user

CORE = {
    "info",
    "datasets",
    "catalogue",
    "describe",
    "read",
    "versions",
    "table",
    "run",
    "release",
    "check",
    "policy",
    "set_policy",
    "demo",
    "verify_audit",
    "audit_entries",
    "user",
    "audit",
    "acting",
    "reading",
    "writing",
    "may",  # what a page or menu offers (the rulebook, no audit): the web asks the facade, not the rulebook
    "offered",  # the table builder's dimensions of a microdata table
    "generation",  # what caches of the catalogue key on (the web's map documents)
    "labelled",  # a result as people read it: the same labels as the pages and downloads (issue 28)
}
NOUNS = {
    "areas",
    "sources",
    "indicators",
    "monitor",
    "flows",
    "study",
    "laden",
    "leegstand",
    "participation",
    "users",
    "parties",
    "agreements",
}


def test_all_names_exist_and_nothing_else_public_leaks() -> None:
    for name in udc.__all__:
        assert hasattr(udc, name), name
    public = {n for n in dir(udc) if not n.startswith("_") and not isinstance(getattr(udc, n), ModuleType)}
    assert public == set(udc.__all__) - {"__version__"}
    for name in udc.facade.__all__:
        assert isinstance(getattr(udc.facade, name), type), name


def test_the_core_is_small_and_the_rest_are_nouns() -> None:
    public = {n for n in vars(udc.Udc) if not n.startswith("_")}
    assert public == CORE | NOUNS
    for noun in NOUNS:
        kind = type(getattr(udc.Udc, noun))
        assert kind.__name__ == "cached_property", noun


def _public_methods(cls: type) -> list[tuple[str, object]]:
    return [(n, f) for n, f in vars(cls).items() if not n.startswith("_") and inspect.isfunction(f)]


NOUN_CLASSES = [n for n in udc.facade.__all__ if issubclass(getattr(udc.facade, n), Noun)]


def test_the_facade_exports_its_nouns_and_the_import_options() -> None:
    assert set(udc.facade.__all__) - set(NOUN_CLASSES) == {"ImportOptions"}
    assert len(NOUN_CLASSES) == len(NOUNS)  # Parties and Agreements are classes of their own, as the nouns are
    options = udc.facade.ImportOptions(area_column="wijk")
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.year = 2022  # type: ignore[misc]
    assert options.sensitivity == "internal" and options.duplicates == "refuse"


@pytest.mark.parametrize("name", NOUN_CLASSES)
def test_every_noun_method_is_documented_and_typed(name: str) -> None:
    cls = getattr(udc.facade, name)
    methods = _public_methods(cls)
    assert methods, name
    for method_name, method in methods:
        where = f"{name}.{method_name}"
        assert (method.__doc__ or "").strip(), f"{where}: no docstring"
        signature = inspect.signature(method)
        assert signature.return_annotation is not inspect.Signature.empty, f"{where}: no return type"
        assert signature.return_annotation not in ("Any", "typing.Any"), f"{where}: returns Any"
        for parameter in list(signature.parameters.values())[1:]:
            assert parameter.kind is not inspect.Parameter.VAR_KEYWORD, f"{where}: **{parameter.name}"
            assert parameter.annotation is not inspect.Parameter.empty, f"{where}: {parameter.name} untyped"


def test_acting_as_a_user_goes_through_the_rulebook(tmp_path: Path) -> None:
    s = udc.open(tmp_path / "store")
    s.users.add("anna", "analyst", "a long enough password", scopes=["GM0917"])
    anna = s.acting(get_user(s.audit.engine, "anna"))
    assert anna.user.name == "anna" and anna.path == s.path and anna.audit is s.audit
    with pytest.raises(Forbidden, match="manage parties"):
        anna.parties.add("woco", "Woningcorporatie (fictief)", "woningcorporatie")
    refused = [e for e in s.audit_entries() if e["action"] == "parties.add"]
    assert refused and refused[-1]["actor"] == "anna" and '"outcome": "refused"' in refused[-1]["detail"]
    assert [p["name"] for p in s.parties.list()] == ["gemeente"]


def test_parties_and_agreements_from_python(tmp_path: Path) -> None:
    s = udc.open(tmp_path / "store")
    s.users.add("piet", "researcher", "a long enough password")
    s.parties.add("woco", "Woningcorporatie (fictief)", "woningcorporatie")
    deal = s.agreements.add("woco-releases", "woco", "Twee open releases", datasets=["a", "b"], adhoc=False)
    assert deal.datasets == ("a", "b") and not deal.adhoc and deal.valid_from == date.today()
    s.parties.add_member("woco", "piet")
    assert s.parties.show("woco")["members"] == ["piet"]
    assert get_user(s.audit.engine, "piet").party == "woco"
    yesterday = date.today() - timedelta(days=1)
    assert s.agreements.end("woco-releases", yesterday).valid_until == yesterday
    actions = [e["action"] for e in s.audit_entries()]
    assert {"parties.add", "agreements.add", "parties.member", "agreements.end"} <= set(actions)


def test_parties_and_agreements_from_the_command_line(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    run_udc(
        "parties",
        "add",
        "woco",
        "--title",
        "Woningcorporatie (fictief)",
        "--kind",
        "woningcorporatie",
        "--store",
        store,
    )
    ran = run_udc(
        "agreements",
        "add",
        "woco-2",
        "--party",
        "woco",
        "--purpose",
        "Twee releases",
        "--datasets",
        "a,b",
        "--no-adhoc",
        "--min-count",
        "15",
        "--from",
        "2025-01-01",
        "--until",
        "2025-12-31",
        "--store",
        store,
    )
    assert "2025-01-01 – 2025-12-31" in ran.stdout
    listed = run_udc("agreements", "list", "--party", "woco", "--format", "json", "--store", store).stdout
    assert '"min_count": 15' in listed and '"adhoc": false' in listed
    bad = run_udc("agreements", "end", "woco-2", "--until", "31-12-2025", "--store", store, check=False)
    assert bad.returncode == 1 and "expected a date" in bad.stderr
    assert "woco-2" in run_udc("parties", "show", "woco", "--store", store).stdout
