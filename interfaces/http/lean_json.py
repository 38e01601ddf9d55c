"""Answers written as their response model would write them, without validating them row
by row first.

``Model.model_validate(answer)`` then ``dump_json`` reads every attribute of hundreds of
typed rows through pydantic (``from_attributes``), which was the largest part of a fresh
dashboard's Python time. The answers are built by our own code from the views, so they
need no validation: ``encoder(Model)`` walks the model's fields once to plan, per field,
the one conversion pydantic would make (an instant to UTC, an id to its canonical text,
an enum to its value, an int to a float), then writes plain dicts and lists with orjson.
The bytes are the same as pydantic's (tests/e2e/test_lean_answers.py compares them).
"""

from __future__ import annotations

import enum
import operator
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel

from domain.times import in_utc

Convert = Callable[[Any], Any] | None  # None: written as it is


def encoder(model: type[BaseModel]) -> Callable[[Any], bytes]:
    """A function writing an answer (a dataclass, or any object with the model's
    attributes) as ``model`` would: same keys, same order, same values."""
    convert = _plan(model)

    def encode(answer: Any) -> bytes:
        return orjson.dumps(convert(answer), option=orjson.OPT_UTC_Z)

    return encode


@cache
def _plan(model: type[BaseModel]) -> Callable[[Any], dict[str, Any]]:
    names = tuple(model.model_fields)
    get = operator.attrgetter(*names)
    converts = [
        (name, _convert(field.annotation), getattr(field, "exclude_if", None))
        for name, field in model.model_fields.items()
    ]
    changed = [(n, c, x) for n, c, x in converts if c is not None or x is not None]

    def convert(obj: Any) -> dict[str, Any]:
        values = get(obj) if len(names) > 1 else (get(obj),)
        out = dict(zip(names, values, strict=True))
        for name, conv, exclude_if in changed:  # in place: a key keeps its position
            value = out[name]
            if exclude_if is not None and exclude_if(value):
                del out[name]
            elif conv is not None and value is not None:
                out[name] = conv(value)
        return out

    return convert


def _convert(annotation: Any) -> Convert:
    """What pydantic turns a value of this type into before writing it (None: nothing)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _convert(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"no lean form for {annotation!r}")
        return _convert(inner[0])  # None is written as it is: the caller skips it
    if origin is list:
        item = _convert(typing.get_args(annotation)[0])
        return None if item is None else lambda v: [item(x) for x in v]
    if origin is dict:
        key, value = typing.get_args(annotation)
        if key is not str or _convert(value) is not None:
            raise TypeError(f"no lean form for {annotation!r}")
        return dict  # a copy: any mapping the answer holds
    if origin is not None:
        raise TypeError(f"no lean form for {annotation!r}")
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _plan(annotation)
        if issubclass(annotation, bool):
            return None
        if issubclass(annotation, enum.Enum):
            kind = annotation
            values = {m.value: m.value for m in kind} | {m: m.value for m in kind}
            return lambda v: values[v] if v in values else kind(v).value
        if issubclass(annotation, datetime):
            return _in_utc
        if issubclass(annotation, UUID):
            return _uuid_text
        if issubclass(annotation, float):
            return float
        if issubclass(annotation, int | str):
            return None
    raise TypeError(f"no lean form for {annotation!r}")


def _in_utc(at: datetime) -> datetime:
    return at if at.tzinfo is UTC else in_utc(at)  # the views read back UTC already


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(value: Any) -> str:
    """The id as pydantic writes a UUID: lower-case hex with hyphens."""
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):
        return value
    return str(value if isinstance(value, UUID) else UUID(value))
