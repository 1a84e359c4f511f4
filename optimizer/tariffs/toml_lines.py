"""Where each key of a TOML document sits: a map from key path to 1-based line number.

``tomllib`` parses values but forgets positions; validation errors, however, should name the line. This
scanner walks a document that ``tomllib`` has already accepted and records the line of every key, table
header, array element and inline-table field, using the same paths pydantic reports::

    [[import.schedules]]          ("import", "schedules", 0)
    bands = [                     ("import", "schedules", 0, "bands")
      { start = "00:30", ... },   ("import", "schedules", 0, "bands", 0) and (..., 0, "start")

It does not validate: it relies on the text being valid TOML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optimizer.tariffs.problems import Loc

_BARE_KEY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[Loc, int] = {}
        self.array_tables: dict[Loc, int] = {}

    # ----- low-level movement -----------------------------------------------------------------------
    def _peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < len(self.text) else ""

    def _advance(self, count: int = 1) -> None:
        chunk = self.text[self.pos : self.pos + count]
        self.line += chunk.count("\n")
        self.pos += count

    def _skip_comment(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] != "\n":
            self.pos += 1

    def _skip_blank(self, newlines: bool) -> None:
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self._advance()
            elif ch == "#":
                self._skip_comment()
            else:
                return

    # ----- keys ---------------------------------------------------------------------------------------
    def _key_part(self) -> str:
        ch = self._peek()
        if ch in "\"'":
            return self._string_value(record=False)
        start = self.pos
        while self._peek() in _BARE_KEY_CHARS and self._peek() != "":
            self.pos += 1
        return self.text[start : self.pos]

    def _dotted_key(self) -> tuple[str, ...]:
        parts = [self._key_part()]
        self._skip_blank(newlines=False)
        while self._peek() == ".":
            self._advance()
            self._skip_blank(newlines=False)
            parts.append(self._key_part())
            self._skip_blank(newlines=False)
        return tuple(parts)

    # ----- values -------------------------------------------------------------------------------------
    def _string_value(self, record: bool = True) -> str:
        for quote in ('"""', "'''"):
            if self.text.startswith(quote, self.pos):
                end = self.text.find(quote, self.pos + 3)
                while quote == '"""' and end > 0 and self._escaped(end):
                    end = self.text.find(quote, end + 1)
                end = len(self.text) if end < 0 else end
                while self.text.startswith(quote[0], end + 3):  # up to two quotes may close the string
                    end += 1
                value = self.text[self.pos + 3 : end]
                self._advance(end + 3 - self.pos)
                return value
        quote = self._peek()
        i = self.pos + 1
        while i < len(self.text) and self.text[i] != quote:
            i += 2 if (quote == '"' and self.text[i] == "\\") else 1
        value = self.text[self.pos + 1 : i]
        self._advance(i + 1 - self.pos)
        return value

    def _escaped(self, index: int) -> bool:
        backslashes = 0
        while index - 1 - backslashes >= 0 and self.text[index - 1 - backslashes] == "\\":
            backslashes += 1
        return backslashes % 2 == 1

    def _value(self, path: Loc) -> None:
        ch = self._peek()
        if ch in "\"'":
            self._string_value()
        elif ch == "[":
            self._array(path)
        elif ch == "{":
            self._inline_table(path)
        else:
            while self._peek() not in ("", ",", "]", "}", "\n", "#"):
                self.pos += 1

    def _array(self, path: Loc) -> None:
        self._advance()  # [
        index = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() in ("]", ""):
                self._advance()
                return
            self.lines[(*path, index)] = self.line
            self._value((*path, index))
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._advance()
                index += 1

    def _inline_table(self, path: Loc) -> None:
        self._advance()  # {
        while True:
            self._skip_blank(newlines=True)
            if self._peek() in ("}", ""):
                self._advance()
                return
            line = self.line
            key = self._dotted_key()
            self.lines.setdefault((*path, *key), line)
            self._skip_blank(newlines=False)
            self._advance()  # =
            self._skip_blank(newlines=False)
            self._value((*path, *key))
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._advance()

    # ----- tables -------------------------------------------------------------------------------------
    def _resolve(self, keys: tuple[str, ...]) -> Loc:
        """A header's keys with the current index inserted after every array-of-tables prefix."""
        path: Loc = ()
        for key in keys:
            path = (*path, key)
            if path in self.array_tables:
                path = (*path, self.array_tables[path])
        return path

    def _header(self) -> Loc:
        is_array = self.text.startswith("[[", self.pos)
        self._advance(2 if is_array else 1)
        self._skip_blank(newlines=False)
        keys = self._dotted_key()
        self._advance(2 if is_array else 1)
        if not is_array:
            table = self._resolve(keys)
            self.lines.setdefault(table, self.line)
            return table
        parent = self._resolve(keys[:-1]) if len(keys) > 1 else ()
        array_path: Loc = (*parent, keys[-1])
        index = self.array_tables.get(array_path, -1) + 1
        self.array_tables[array_path] = index
        self.lines.setdefault(array_path, self.line)
        self.lines[(*array_path, index)] = self.line
        return (*array_path, index)

    def scan(self) -> dict[Loc, int]:
        table: Loc = ()
        while True:
            self._skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            if self._peek() == "[":
                table = self._header()
                continue
            line = self.line
            key = self._dotted_key()
            self.lines.setdefault((*table, *key), line)
            self._skip_blank(newlines=False)
            self._advance()  # =
            self._skip_blank(newlines=False)
            self._value((*table, *key))


def key_lines(text: str) -> dict[Loc, int]:
    """Map every key path of a valid TOML ``text`` to the 1-based line it is written on."""
    return _Scanner(text).scan()


def line_for(loc: Loc, lines: Mapping[Loc, int], data: Any) -> tuple[int | None, Loc]:
    """The line of the most specific known prefix of ``loc``, and ``loc`` cleaned of parts the document
    does not contain (pydantic inserts the discriminator value of a tagged union, e.g. ``banded``)."""
    cleaned: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and isinstance(part, str):
            if part in node:
                cleaned.append(part)
                node = node[part]
                continue
            if part in ("banded", "flat", "dynamic"):
                continue
            cleaned.append(part)  # a missing required field: point at its table
            node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            cleaned.append(part)
            node = node[part]
        else:
            cleaned.append(part)
            node = None
    for end in range(len(cleaned), -1, -1):
        line = lines.get(tuple(cleaned[:end]))
        if line is not None:
            return line, tuple(cleaned)
    return None, tuple(cleaned)
