"""Decoding stored events for the projections, faster than the library's mapper.

The mapper's JSON transcoder parses with an ``object_hook``: a Python call for every
JSON object, and each datetime is one (``{"_type_": …, "_data_": …}``). Here the event
bytes are parsed by the C decoder with no hook and only the values that are such
markers are decoded afterwards, with the transcoder's own registered transcodings.
The rest is what ``Mapper.to_domain_event`` does: the class from the topic, the id
converted as the library does, the class's upcasts from the stored ``class_version``,
an instance without running ``__init__``. So the fold sees the same objects either way
(``tests/projections/test_fast_decode.py``). A mapper with a cipher or compressor, or
a transcoder that is not the library's JSON one, is simply used as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, cast

import orjson
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from application.integrity import _INNER_START, open_envelope

Decode = Callable[[StoredEvent], Any]


def event_decoder(mapper: Mapper[Any]) -> Decode:
    """The fastest decoder that gives what ``mapper.to_domain_event`` gives."""
    transcoder = mapper.transcoder
    if mapper.cipher or mapper.compressor or type(transcoder) is not JSONTranscoder:
        return mapper.to_domain_event
    return FastDecoder(transcoder.names).decode


class FastDecoder:
    def __init__(self, transcodings: dict[str, Transcoding]) -> None:
        self.transcodings = transcodings

    def decode(self, stored: StoredEvent) -> Any:
        cls = resolve_topic(stored.topic)
        try:
            state: dict[str, Any] = _loads(_inner(stored.state))
            for key, value in state.items():
                kind = type(value)
                if kind is dict:
                    if len(value) == 2 and "_type_" in value and "_data_" in value:
                        data = value["_data_"]  # a datetime's ISO string, mostly
                        if type(data) is dict or type(data) is list:
                            data = self._value(data)
                        state[key] = self._transcoding(value["_type_"]).decode(data)
                    else:
                        state[key] = self._value(value)
                elif kind is list:
                    state[key] = self._value(value)
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{stored.topic}', "
                f"originator_id '{stored.originator_id}' and "
                f"originator_version {stored.originator_version}: {e}"
            ) from e
        state["originator_id"] = find_id_convertor(cls, cast(Hashable, type(stored.originator_id)))(
            stored.originator_id
        )
        state["originator_version"] = stored.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:  # the event class's own upcasts, in order
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _transcoding(self, name: str) -> Transcoding:
        try:
            return self.transcodings[name]
        except KeyError:  # as the transcoder: a type nobody registered cannot be read
            raise ValueError(f"no transcoding registered for {name!r}") from None

    def _value(self, value: Any) -> Any:
        """A decoded JSON value with its custom-type markers turned back into objects
        (innermost first, as the object hook would)."""
        if type(value) is list:
            return [self._value(v) if type(v) in (dict, list) else v for v in value]
        if type(value) is not dict:
            return value
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                value[key] = self._value(item)
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self._transcoding(value["_type_"]).decode(value["_data_"])
        return value


def _inner(state: bytes) -> bytes:
    """The event's JSON inside its chain envelope (``integrity.open_envelope`` checks the
    envelope's shape and copies; a sound envelope's inner bytes are at a fixed offset)."""
    if state[:2] == b'{"' and state[_INNER_START - 10 : _INNER_START] == b'],"event":':
        return state[_INNER_START:-1]
    return open_envelope(state).inner  # raises for what is not an envelope


def _loads(data: bytes) -> Any:
    return orjson.loads(data)
