"""What one run of the loop tells the next, per inverter: today's facts that need not be asked again.

``optimizer run --push`` called every 15–60 minutes would spend two calls a run on things that do not change
during a day: whether the inverter supports the scheduler (``scheduler/get/flag``) and its own work mode
(``setting/get WorkMode``). They are asked by the first run of each local day and kept in
``<data dir>/run-state.json`` with that day; the first run of a day is also the one that writes whenever the
groups differ (see :mod:`optimizer.pipeline.replan`). The file holds no secret; an unreadable one is ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

STATE_FILE = "run-state.json"


@dataclass(frozen=True)
class DayFacts:
    """What the day's first run learnt of an inverter: scheduler support and its own work mode."""

    day: date
    support: bool
    base_mode: str | None


class RunState:
    """The per-inverter facts of the current local day, in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_dir(cls, data_dir: Path) -> RunState:
        return cls(data_dir / STATE_FILE)

    def _load(self) -> dict[str, Any]:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def facts(self, sn: str, today: date) -> DayFacts | None:
        """Today's facts of ``sn``, or ``None`` when no run has recorded them today."""
        entry = self._load().get(sn)
        if not isinstance(entry, dict) or entry.get("day") != today.isoformat():
            return None
        mode = entry.get("base_mode")
        return DayFacts(today, bool(entry.get("support")), mode if isinstance(mode, str) else None)

    def record(self, sn: str, facts: DayFacts) -> None:
        """Keep ``facts`` for the rest of their day (written atomically)."""
        state = self._load()
        state[sn] = {"day": facts.day.isoformat(), "support": facts.support, "base_mode": facts.base_mode}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".run-state-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, indent=1)
        os.replace(temporary, self.path)
