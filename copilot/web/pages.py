"""Routes that serve the pages and their static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/ui", include_in_schema=False)


def mount_pages(app: object) -> None:
    app.mount("/ui/static", StaticFiles(directory=str(HERE / "static")), name="ui-static")  # type: ignore[attr-defined]
    app.include_router(router)  # type: ignore[attr-defined]


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"page": "index"})


@router.get("/sidebar", response_class=HTMLResponse)
def sidebar(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "sidebar.html", {"page": "sidebar"})


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "desk.html", {"page": "desk"})


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "admin.html", {"page": "admin"})


@router.get("/s/{suggestion_id}", response_class=HTMLResponse)
def one_suggestion(request: Request, suggestion_id: str) -> HTMLResponse:
    """The accept link in the rep's WeCom text card: the sidebar, opened on that suggestion."""
    return templates.TemplateResponse(request, "sidebar.html", {"page": "sidebar", "focus": suggestion_id})
