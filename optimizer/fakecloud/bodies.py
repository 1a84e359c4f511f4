"""Request-body checks shared by the endpoints: every failure is a 40257 :class:`Refusal`.

The real server refuses bodies with keys it does not know and values of the wrong type or range
("Parameters do not meet expectations"); these helpers do the same and keep the reason for the request log.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from optimizer.fakecloud.replies import body_refusal


def check_keys(body: Any, required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any]:
    """``body`` as a dict holding every required key and nothing outside required + optional."""
    if not isinstance(body, dict):
        raise body_refusal(f"body: expected a JSON object, got {type(body).__name__}")
    required = tuple(required)
    allowed = set(required) | set(optional)
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise body_refusal(f"body: unknown key(s) {unknown}")
    missing = [k for k in required if k not in body]
    if missing:
        raise body_refusal(f"body: missing key(s) {missing}")
    return body


def integer(value: Any, where: str, low: float | None = None, high: float | None = None) -> int:
    """A JSON integer (an integral float is accepted; booleans and strings are not) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise body_refusal(f"{where}: expected an integer, got {value!r}")
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise body_refusal(f"{where}: {value!r} is not a whole number")
    number = int(value)
    _in_range(number, where, low, high)
    return number


def number(value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
    """A finite JSON number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise body_refusal(f"{where}: expected a number, got {value!r}")
    _in_range(value, where, low, high)
    return float(value)


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise body_refusal(f"{where}: expected a non-empty string, got {value!r}")
    return value


def string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise body_refusal(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def integer_text(value: Any, where: str, low: float, high: float) -> int:
    """An integer sent as a string (``setting/set`` values) or as a number."""
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            raise body_refusal(f"{where}: {value!r} is not a number") from None
        return integer(parsed, where, low, high)
    return integer(value, where, low, high)


def _in_range(value: float, where: str, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        raise body_refusal(f"{where}: {value} outside {low}..{high}")
