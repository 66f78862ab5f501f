"""Which methods a path answers: the `Allow` header of OPTIONS and of every 405.

Starlette's 405 names only the methods of the first route whose path matched, so a path served by
two routes (GET and DELETE /api/conversations/{id}) advertised GET alone, and OPTIONS was a 405.
Here every route of the path counts, OPTIONS itself included.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """The methods some HTTP route fully matches on this path (empty when no route has the path).

    Each method is tried against the router's own matching, so included routers, mounts and plain
    routes all count, however the framework nests them."""
    routes = request.app.router.routes
    found = [m for m in _METHODS if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in routes)]
    return [*found, "OPTIONS"] if found else []


def options_response(methods: list[str]) -> Response:
    """204 with `Allow`. No CORS headers: cross-origin browsers are not served unless CORS is configured."""
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})
