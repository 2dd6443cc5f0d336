"""Every API route checks the caller's role: the whole role × route matrix."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from pasokh.types import TOKEN_ROLES
from tests.conftest import World
from tests.ingest.test_messages_api import message


def _flat(routes: list[object]) -> list[object]:
    # FastAPI ≥ 0.165 keeps included routers as branches; walk into them.
    out: list[object] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_flat(list(inner.routes)) if inner is not None else [route])
    return out


def api_routes(app: object) -> list[tuple[str, str, frozenset[str]]]:
    routes = []
    for route in _flat(app.routes):  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
            continue
        allowed = None
        for dep in route.dependant.dependencies:
            allowed = getattr(dep.call, "allowed_roles", None) or allowed
        for method in sorted(route.methods):
            routes.append((method, route.path, allowed))
    return routes


def test_every_api_route_declares_who_may_call_it(app: object) -> None:
    undeclared = [(m, p) for m, p, allowed in api_routes(app) if allowed is None]
    assert undeclared == []


def test_the_role_matrix(client: TestClient, world: World) -> None:
    matrix = api_routes(client.app)
    assert len(matrix) >= 5
    for method, path, allowed in matrix:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for role in TOKEN_ROLES:
            kwargs = {"json": message(provider_message_id=f"{role}-{path}")} \
                if method == "POST" else {}
            response = client.request(method, url, headers=world.auth(role), **kwargs)
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert response.status_code == 403, (method, path, role, response.text)
                assert f"Your role ({role})" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/inbox", "/conversations/1", "/live/events"])
def test_pages_send_strangers_to_the_login(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
