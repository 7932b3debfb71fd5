"""A route class that calls plain endpoints directly.

Most routes of this service take only the :class:`~starlette.requests.Request` (or nothing)
and return a finished :class:`~starlette.responses.Response`. For such an endpoint FastAPI's
request handler still solves a dependency graph with nothing in it, opens telemetry operations
and prepares response serialisation it then skips: about 25 µs of CPU per request, some 5 % of
the gateway's own work (de-identification aside) on a single-note ``$assess``.
:class:`PlainRoute` hands the request straight to the endpoint instead. What the caller sees
is the same: the response object FastAPI would have passed through untouched, the same
exception handlers (they sit around the handler, not in it), the same OpenAPI document (the
route is declared as before).

Any endpoint that declares more (path, query or body parameters, dependencies, background
tasks, a ``Response`` parameter...) gets FastAPI's own handler, as does every endpoint when
the FastAPI internals this relies on are missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _takes_only_the_request(dependant: Dependant) -> bool:
    """True when solving ``dependant`` can only ever yield ``{request_param: request}``."""
    return not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.dependencies
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def _effective_dependant(route: APIRoute) -> Dependant | None:
    """The dependant FastAPI would solve for ``route`` here, or None when it cannot tell.

    Under ``include_router`` FastAPI builds the handler of an *effective* route (the route
    plus the router's dependencies, prefix...) and names it in a context variable while it
    calls :meth:`APIRoute.get_route_handler`. That variable is private to FastAPI: without it
    (another FastAPI version) the answer is None and the route keeps FastAPI's handler.
    """
    context_var = getattr(fastapi_routing, "_effective_route_context_var", None)
    if context_var is None:
        return None
    context = context_var.get()
    if context is not None and getattr(context, "original_route", None) is route:
        dependant = getattr(context, "dependant", None)
        return dependant if isinstance(dependant, Dependant) else None
    return route.dependant


class PlainRoute(APIRoute):
    """``APIRoute`` that calls an endpoint taking only the request without FastAPI's handler."""

    def get_route_handler(self) -> Handler:
        dependant = _effective_dependant(self)
        endpoint = self.endpoint
        if (
            dependant is None
            or dependant.call is not endpoint
            or not _takes_only_the_request(dependant)
            or not inspect.iscoroutinefunction(endpoint)
        ):
            return super().get_route_handler()
        name = dependant.request_param_name
        call: Callable[..., Coroutine[Any, Any, Any]] = endpoint

        async def handler(request: Request) -> Response:
            response = await (call(**{name: request}) if name else call())
            if not isinstance(response, Response):
                # FastAPI would serialise it; these endpoints always build their response.
                raise TypeError(f"{self.path} must return a Response")
            return response

        return handler
