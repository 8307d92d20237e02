"""Schemathesis against the served OpenAPI document: generated requests to every API operation, anonymous and with
a researcher's token — no server error, no status code the document does not declare."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from conftest import Site
from udc.web.app import create_app

# A fuzzer: ~900 generated requests per run. It runs in make test's second step with the other system tests (it was
# the main step's largest file, a seventh of its time).
pytestmark = pytest.mark.slow

# Random (fuzzing) examples per operation and identity, on top of schemathesis' deterministic coverage phase (each
# parameter's boundaries, wrong types and undeclared methods: at least 640 of the 906 requests with 10 here). With 25
# the two tests took 17 s, with 10 they take 7 s (-n 0, on a loaded machine).
EXAMPLES = 10
SEEN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api(site: Site) -> Iterator[schemathesis.BaseSchema]:
    app = create_app(site.store)
    app.state.throttle.limit = 10**6  # generated sign-ins are not an attack here
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    print(f"\nschemathesis: {sum(SEEN.values())} requests, statuses {dict(sorted(SEEN.items()))}")


schema = schemathesis.pytest.from_fixture("api")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _check(case: schemathesis.Case, headers: dict[str, str]) -> None:
    response = case.call(headers=headers)
    SEEN[str(response.status_code)] += 1
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_api_conforms_anonymously(case: schemathesis.Case) -> None:
    _check(case, {})


@schema.parametrize()
@SETTINGS
def test_api_conforms_with_a_researcher_token(case: schemathesis.Case, site: Site) -> None:
    _check(case, {"Authorization": f"Bearer {site.token}"})
