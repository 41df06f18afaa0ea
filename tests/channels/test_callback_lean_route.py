"""The callback POST routes skip FastAPI's per-request machinery (channels.router.LeanRoute) only when there is none to
run; the query string is read as Starlette reads it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.testclient import TestClient

from channels.router import LeanRoute, query_params


async def _echo(request: Request) -> Response:
    return PlainTextResponse(repr(sorted(query_params(request).items())))


def test_a_request_only_endpoint_is_called_directly() -> None:
    router = APIRouter()
    router.add_api_route("/cb", _echo, methods=["POST"], route_class_override=LeanRoute)
    route = router.routes[0]
    assert isinstance(route, LeanRoute)
    assert route.get_route_handler() is _echo
    app = FastAPI()
    app.include_router(router)
    got = TestClient(app).post("/cb?b=&a=1&a=2&c=%E4%BD%A0+x", content=b"<xml/>")
    assert got.status_code == 200
    # blank values kept, the last of a repeated name wins, percent and plus decoded: dict(request.query_params)
    assert got.text == repr([("a", "2"), ("b", ""), ("c", "你 x")])


def test_a_route_with_a_dependency_keeps_fastapis_handler() -> None:
    ran: list[str] = []

    def guard() -> None:
        ran.append("guard")

    router = APIRouter(dependencies=[Depends(guard)])
    router.add_api_route("/cb", _echo, methods=["POST"], route_class_override=LeanRoute)
    assert router.routes[0].get_route_handler() is not _echo  # type: ignore[attr-defined]
    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).post("/cb?a=1").status_code == 200
    assert ran == ["guard"]


def test_the_channel_routes_are_lean() -> None:
    import base64

    from channels import CallbackCredentials, ChannelConfig, SqliteInbox, build_channel_router

    key = base64.b64encode(b"k" * 32).decode().rstrip("=")
    router = build_channel_router(
        SqliteInbox(":memory:"), ChannelConfig(tenant="t", wecom=CallbackCredentials("tok", key, "corp"))
    )
    posts = [r for r in router.routes if "POST" in getattr(r, "methods", set())]
    assert posts and all(isinstance(r, LeanRoute) for r in posts)
