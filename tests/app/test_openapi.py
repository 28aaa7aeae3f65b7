"""The OpenAPI document is valid OpenAPI 3, and the API keeps to it: Schemathesis generates requests for EVERY
operation from the document and fails on any 5xx and on any response that breaks the document's own schema.

Run against both backends (the ``app`` fixture's database), as an administrator, inside the rolled-back
transaction of the ``app`` fixture: whatever the generated requests write is gone afterwards, and the run starts
from the same empty database each time. Derandomized and bounded (``MAX_EXAMPLES`` per operation), so the same
cases run each time in about the same time; docs/api-robustness.md says how to run it longer.
"""
from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from models import Role
from tests.factories import auth, make_user

OPENAPI_PATH = "/api/v1/openapi.json"
#: Generated cases per operation (and per backend): enough to reach every field's edges with the suite staying
#: short. ``HAZLEDGER_SCHEMATHESIS_EXAMPLES=200`` runs a longer hunt.
MAX_EXAMPLES = int(os.environ.get("HAZLEDGER_SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance]


def test_the_document_is_valid_openapi_3(client):
    document = client.get(OPENAPI_PATH).get_json()
    assert document["openapi"].startswith("3.")
    validate(document)  # raises with the first error


def test_decimal_bounds_are_numbers_and_decimal_strings_are_documented_as_strings(client):
    schemas = client.get(OPENAPI_PATH).get_json()["components"]["schemas"]
    assert schemas["ChemicalIn"]["properties"]["major_hazard_beta"]["maximum"] == 100
    assert schemas["BatchOut"]["properties"]["quantity_kg"]["type"] == "string"


@pytest.fixture
def admin_headers(session):
    return auth(make_user(session, Role.ADMIN)[1])


def _run_operation(operation, headers: dict[str, str]) -> int:
    """Run the generated cases of one operation, valid and invalid ones; the number of cases it ran."""
    ran = []

    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        ran.append(case)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
    return len(ran)


def test_every_operation_keeps_to_the_document(app, admin_headers):
    # A stream ends at once: the run tests what it answers, not how long it stays open.
    app.config.update(ALERT_STREAM_LIFETIME_S=0.05, ALERT_STREAM_POLL_S=0.01)
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
    failures, cases, operations = {}, 0, 0
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operations += 1
        if isinstance(result, Err):
            failures[f"operation {operations}"] = result.err()
            continue
        operation = result.ok()
        try:
            cases += _run_operation(operation, admin_headers)
        except Exception as error:  # noqa: BLE001 - every operation's failure is reported, not just the first
            failures[operation.label] = error
    print(f"schemathesis: {operations} operations, {cases} cases, {time.perf_counter() - started:.1f} s")
    assert operations >= 80
    assert not failures, "\n\n".join(f"{label}: {error}" for label, error in failures.items())
