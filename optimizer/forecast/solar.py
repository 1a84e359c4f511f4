"""Just enough solar geometry to scale a PV profile from one time of year to another.

The site's latitude is not in the config, so it is taken from the time zone's principal city in the tz
database (``zone1970.tab`` / ``zone.tab``; Europe/Paris is at 48.87 N). A few degrees off changes the
seasonal ratio between two dates a few weeks apart by well under 1 %. Zones without coordinates (UTC,
Etc/*) give no seasonal scaling.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

_SOLAR_CONSTANT_W_M2 = 1361.0
_COORDINATE = re.compile(r"^([+-]\d{2})(\d{2})(\d{2})?([+-]\d{3})(\d{2})(\d{2})?$")


def _tab_files() -> list[str]:
    texts: list[str] = []
    for name in ("zone1970.tab", "zone.tab"):
        try:
            texts.append(resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8"))
            continue
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            pass
        system = Path("/usr/share/zoneinfo") / name
        if system.exists():
            texts.append(system.read_text(encoding="utf-8"))
    return texts


def _degrees(sign_deg: str, minutes: str, seconds: str | None) -> float:
    sign = -1.0 if sign_deg.startswith("-") else 1.0
    value = abs(int(sign_deg)) + int(minutes) / 60.0 + (int(seconds) / 3600.0 if seconds else 0.0)
    return sign * value


@lru_cache(maxsize=64)
def zone_latitude_deg(timezone: str) -> float | None:
    """Latitude [deg, north positive] of the principal city of ``timezone``, or None if the zone has none."""
    for text in _tab_files():
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3 and fields[2] == timezone:
                match = _COORDINATE.match(fields[1])
                if match:
                    return _degrees(match.group(1), match.group(2), match.group(3))
    return None


def daily_extraterrestrial_kwh_m2(day: date, latitude_deg: float) -> float:
    """Daily solar energy on a horizontal surface above the atmosphere at ``latitude_deg`` [kWh/m²].

    The textbook formula (Duffie & Beckman 1.10.3): H0 = 24/π · Gsc · E0 · (cos φ cos δ sin ωs + ωs sin φ sin δ).
    """
    day_of_year = day.timetuple().tm_yday
    gamma = 2 * math.pi * (day_of_year - 1) / 365.0
    eccentricity = 1.000110 + 0.034221 * math.cos(gamma) + 0.001280 * math.sin(gamma)
    declination = 0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma)
    declination += -0.006758 * math.cos(2 * gamma) + 0.000907 * math.sin(2 * gamma)
    phi = math.radians(latitude_deg)
    cos_ws = max(-1.0, min(1.0, -math.tan(phi) * math.tan(declination)))
    sunset = math.acos(cos_ws)
    daily = math.cos(phi) * math.cos(declination) * math.sin(sunset) + sunset * math.sin(phi) * math.sin(declination)
    return 24.0 / math.pi * _SOLAR_CONSTANT_W_M2 / 1000.0 * eccentricity * max(daily, 0.0)


def season_ratio(target: date, reference: list[date], latitude_deg: float | None) -> float:
    """How much more sun ``target`` gets than the mean of the ``reference`` days (1.0 without latitude)."""
    if latitude_deg is None or not reference:
        return 1.0
    ref = sum(daily_extraterrestrial_kwh_m2(d, latitude_deg) for d in reference) / len(reference)
    if ref <= 0:
        return 1.0
    return daily_extraterrestrial_kwh_m2(target, latitude_deg) / ref
