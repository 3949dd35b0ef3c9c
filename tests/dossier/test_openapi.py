"""The committed OpenAPI document: valid YAML, served, complete, and true."""

from __future__ import annotations

import copy
import re
from typing import Any, Dict

import jsonschema
import pytest
import requests
import yaml

from bot.dossier.service import DossierStore, create_app
from bot.dossier.service.app import OPENAPI_PATH
from tests.dossier.conftest import API_KEY, Service

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> Dict[str, Any]:
    return yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


def test_document_is_openapi_3(document: Dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert document["paths"]


def test_every_route_is_documented_and_nothing_else(document: Dict[str, Any]) -> None:
    app = create_app(DossierStore("sqlite://"))
    served = {
        (re.sub(r"<(\w+)(:\w+)?>", r"{\1}", "/" + route.path), method.lower())
        for route in app.router.routes
        for method in route.methods
    }
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert served == documented


def test_every_reference_resolves(document: Dict[str, Any]) -> None:
    refs = re.findall(r"\$ref: \"#/([^\"]+)\"", OPENAPI_PATH.read_text())
    assert refs
    for ref in refs:
        node: Any = document
        for part in ref.split("/"):
            node = node[part]
        assert node


def test_documented_error_codes_cover_the_service(document: Dict[str, Any]) -> None:
    source = (OPENAPI_PATH.parent / "app.py").read_text()
    used = set(re.findall(r'ApiError\(\s*\d{3},\s*"(\w+)"', source))
    used |= set(re.findall(r'error_response\(\d{3}, "(\w+)"', source))
    enum = set(
        document["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    )
    assert used and used <= enum


def test_served_document_matches_the_committed_file(service: Service) -> None:
    as_yaml = requests.get(f"{service.url}/api/v1/openapi.yaml", timeout=5)
    assert as_yaml.status_code == 200
    assert as_yaml.headers["Content-Type"].startswith("application/yaml")
    assert as_yaml.text == OPENAPI_PATH.read_text(encoding="utf-8")
    as_json = requests.get(f"{service.url}/api/v1/openapi.json", timeout=5)
    assert as_json.json() == yaml.safe_load(as_yaml.text)


def _json_schema(document: Dict[str, Any], name: str) -> Dict[str, Any]:
    """An OpenAPI 3.0 component as JSON Schema (``nullable`` becomes a null type)."""
    components = copy.deepcopy(document["components"]["schemas"])

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items() if k != "example"}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            if "$ref" in node:
                node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
            return node
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    defs = convert(components)
    schema = copy.deepcopy(defs[name])
    schema["$defs"] = defs
    schema["additionalProperties"] = False
    return schema


def test_answers_match_the_documented_schemas(
    service: Service, document: Dict[str, Any]
) -> None:
    dossier_schema = _json_schema(document, "Dossier")
    error_schema = _json_schema(document, "Error")
    codes = [
        "000.00.06.H26-261103-0001",
        "000.00.11.H26-261027-0005",
        "000.00.41.H26-261012-0006",
        "000.00.41.H26-260915-0012?verify=1212",
    ]
    for code in codes:
        body = requests.get(f"{service.url}/api/v1/dossiers/{code}", timeout=5).json()
        jsonschema.validate(body, dossier_schema)
    for path in ["/dossiers/bad", "/dossiers/000.00.06.H26-200101-0001", "/nope"]:
        body = requests.get(f"{service.url}/api/v1{path}", timeout=5).json()
        jsonschema.validate(body, error_schema)
    health = requests.get(f"{service.url}/api/v1/health", timeout=5).json()
    jsonschema.validate(health, _json_schema(document, "Health"))
    created = requests.post(
        f"{service.url}/api/v1/dossiers",
        json={"agency_code": "000.00.66.H26", "procedure_name": "x", "agency": "y"},
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    assert created.status_code == 201
    jsonschema.validate(created.json(), dossier_schema)
