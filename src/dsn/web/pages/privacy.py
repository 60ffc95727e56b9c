"""The privacy pages (being built)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.web.page import WebPage, web_page

router = APIRouter()


@router.get("/app/privacy/", include_in_schema=False)
async def index(page: WebPage = Depends(web_page)) -> Response:
    return page.render("web/welcome.html", logged_out=False)
