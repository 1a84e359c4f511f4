"""The boundary between Python arguments, pydantic models and the cloud's JSON.

* :func:`request` / :func:`build`: arguments → a request model; invalid arguments become a
  :class:`~optimizer.errors.UsageError` (exit 2) naming the field and the value, before any call is made.
* :func:`parse`, :func:`as_list`, :func:`keyed_items`: a ``result`` → response models; an answer that does not
  fit becomes a :class:`~optimizer.errors.TransportError` (exit 5) naming the path and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from optimizer.errors import TransportError, UsageError
from optimizer.foxess.models import FoxRequest

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=FoxRequest)


def build(factory: Callable[[], R]) -> R:
    """Build a request model; invalid arguments become a UsageError naming the field and value."""
    try:
        return factory()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or exc.title}: {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors(include_url=False)
        )
        raise UsageError(f"invalid {exc.title}: {problems}") from None


def request(model: type[R], **fields: Any) -> R:
    """``model(**fields)``, with invalid arguments as a UsageError."""
    return build(lambda: model(**fields))


def parse(model: type[M], data: Any, path: str) -> M:
    """Parse an answer; one that does not fit becomes a TransportError naming the path and field."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "result"
        raise TransportError(
            f"Fox ESS {path}: unexpected answer: {where}: {first['msg']} "
            f"({exc.error_count()} problem(s) in {model.__name__})"
        ) from None


def as_list(data: Any, path: str) -> list[Any]:
    """A list ``result`` (``null`` reads as empty)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise TransportError(f"Fox ESS {path}: expected a list as result, got {type(data).__name__}")
    return data


def keyed_items(data: Any, path: str) -> list[tuple[str, Any]]:
    """``[{key: value}, ...]`` or ``{key: value}`` (variable/fault tables) → ``[(key, value), ...]``."""
    blocks = [data] if isinstance(data, dict) else as_list(data, path)
    items: list[tuple[str, Any]] = []
    for block in blocks:
        if not isinstance(block, dict):
            raise TransportError(f"Fox ESS {path}: expected objects in the result, got {block!r:.60}")
        items.extend((str(key), value) for key, value in block.items())
    return items
