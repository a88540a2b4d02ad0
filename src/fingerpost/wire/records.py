"""The hub's answers on the wire: its plain records (signposts, involvements, notifications,
subject reports…) as JSON and back, field by field from their dataclass definitions.

One generic codec rather than a model per record: the records are the contract the entrypoints
already render, so the gateway gets back exactly what an in-process `Hub` returns. None of them
holds a child's identity or a score (`service/records.py`).
"""

from __future__ import annotations

import types
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from fingerpost.domain.hours import OfficeHours

__all__ = ["from_plain", "to_plain"]


def to_plain(value: Any) -> Any:
    """A record (or list, dict, date, enum…) as JSON-ready values."""
    if isinstance(value, OfficeHours):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):  # a checkpoint's root and signature
        return value.hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [to_plain(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def from_plain(kind: Any, raw: Any) -> Any:
    """`raw` (from `to_plain`) read back as `kind`. Keys a newer hub adds are ignored; a
    missing required field or a value of the wrong type raises ValueError or TypeError."""
    origin = get_origin(kind)
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(kind) if a is not type(None)]
        return None if raw is None else from_plain(options[0], raw)
    if origin is list:
        (inner,) = get_args(kind)
        return [from_plain(inner, v) for v in _list(raw)]
    if origin is dict:
        key, inner = get_args(kind)
        return {from_plain(key, k): from_plain(inner, v) for k, v in _dict(raw).items()}
    if kind is OfficeHours:
        return OfficeHours.parse(_str(raw))
    if isinstance(kind, type) and is_dataclass(kind):
        return _record(kind, _dict(raw))
    if kind is datetime:
        return datetime.fromisoformat(_str(raw))
    if kind is date:
        return date.fromisoformat(_str(raw))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(raw)
    if kind is bytes:
        return bytes.fromhex(_str(raw))
    if kind is bool or kind is int or kind is str:
        if type(raw) is not kind:
            raise TypeError(f"{kind.__name__} expected")
        return raw
    raise TypeError(f"no wire form for {kind!r}")


def _record(cls: type, raw: dict[str, Any]) -> Any:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if not f.init:
            continue
        if f.name in raw:
            values[f.name] = from_plain(hints[f.name], raw[f.name])
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"{cls.__name__}.{f.name}: missing")
    return cls(**values)


def _dict(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError("object expected")
    return raw


def _list(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise TypeError("list expected")
    return raw


def _str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError("text expected")
    return raw
