"""JSON bodies the handlers build themselves (writes' 201 answers, problem+json) rendered
with orjson. Not FastAPI's ORJSONResponse as the app's default class: that is deprecated,
and a route with a response model already serializes through pydantic straight to bytes,
which a custom default class would turn off."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """Same bytes as Starlette's compact, non-ASCII-escaping JSON for the plain values these
    bodies hold (strings, numbers, booleans, null, lists, string-keyed objects)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
