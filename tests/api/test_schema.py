"""Schemathesis over the app's own OpenAPI document: every operation, with a partner key,
generated inputs (valid and invalid); no 5xx, and every response (status, content type,
headers, body) as the schema declares it.

Not held: schemathesis' ``negative_data_rejection``, which wants unknown query parameters
refused; like most HTTP APIs this one ignores them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from provenance.partners import add_partner

from .conftest import Shop, TestClient, auth

_CHECKS = [
    not_a_server_error,
    positive_data_acceptance,  # valid by the schema means accepted (2xx, or 401/403/404/429)
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
_EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}


def test_every_operation_keeps_to_its_schema(shop: Shop) -> None:
    from provenance_api import create_app

    _partner, key = add_partner(shop.ledger.engine, name="Fuzzer", rate_limit=1_000_000)
    app = create_app(shop.ledger.engine)
    with TestClient(app):  # runs the lifespan (and the request-log flusher), as a server would
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        paths = {op.path for op in operations}
        assert {"/v1/items/{item}", "/v1/items/{item}/bundle", "/v1/verify", "/healthz"} <= paths
        # Real ids too, not only generated ones: the item routes must also answer 200.
        examples = {"item": [shop.record, shop.film, shop.record.lower()]}
        started = time.monotonic()
        calls = 0
        for op in operations:
            for mode, count in _EXAMPLES.items():

                @given(case=op.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=count,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def run(case: Any) -> None:
                    nonlocal calls
                    calls += 1
                    case.call_and_validate(headers=auth(key), checks=_CHECKS)

                try:
                    run()
                except Unsatisfiable:
                    # No invalid input exists for an operation without parameters or body.
                    assert mode is GenerationMode.NEGATIVE, op.path
            for item in examples["item"] if "{item}" in op.path else []:
                case = op.Case(path_parameters={"item": item})
                response = case.call_and_validate(headers=auth(key), checks=_CHECKS)
                assert response.status_code == 200, (op.path, response.text)
        assert calls >= 100
        assert time.monotonic() - started < 60


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_schema_declares_the_key_and_the_errors(client: TestClient, path: str) -> None:
    doc = client.get(path).json()
    assert doc["components"]["securitySchemes"]["PartnerKey"]["scheme"].lower() == "bearer"
    item = doc["paths"]["/v1/items/{item}"]["get"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(item["responses"])
    error = item["responses"]["429"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorBody")
    assert "/v/{item}" not in doc["paths"]  # the buyer page is HTML, not part of the API
