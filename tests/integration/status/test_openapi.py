"""`GET /api/v1/openapi.json`: a valid OpenAPI 3.1 document that describes every route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from provisiond.schema.parsing import PAYLOADS

if TYPE_CHECKING:
    from provisiond.status import StatusServer
    from tests.integration.status.support import Client


@pytest.fixture
async def document(client: Client) -> dict[str, Any]:
    reply = await client.get("/api/v1/openapi.json")
    assert reply.status == 200
    found: dict[str, Any] = reply.json()
    return found


async def test_the_document_needs_a_token(client: Client) -> None:
    assert (await client.as_(None).get("/api/v1/openapi.json")).status == 401


async def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


async def test_every_served_route_is_described(
    document: dict[str, Any], server: StatusServer
) -> None:
    served: set[tuple[str, str]] = set()
    for route in server.app.router.routes():
        if route.method != "HEAD" and route.resource is not None:
            served.add((route.resource.canonical, route.method.lower()))
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert described == served


async def test_schemas_come_from_the_pydantic_models(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    account = schemas["Account"]
    expected = PAYLOADS["accounts"].model_json_schema(ref_template="#/components/schemas/{model}")
    nested = expected.pop("$defs")
    assert account == expected
    assert all(schemas[name] == schema for name, schema in nested.items())
    radius = account["properties"]["radius_accounts"]["items"]["$ref"]
    assert radius == "#/components/schemas/RadiusAccountIn"
    assert "RadiusAccountIn" in schemas
    assert schemas["Error"]["properties"]["error"]["required"] == ["message", "field"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


async def test_probes_need_no_token_and_the_api_does(document: dict[str, Any]) -> None:
    assert document["security"] == [{"bearer": []}]
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert document["paths"][probe]["get"]["security"] == []
    operations = [op for item in document["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations if isinstance(op, dict) and "operationId" in op]
    assert len(ids) == len(set(ids))
