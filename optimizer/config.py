"""The configuration file (TOML), validated once by pydantic.

Resolution order: ``--config PATH``, else ``$OPTIMIZER_CONFIG``, else ``config.toml`` in the user config dir
(``platformdirs.user_config_dir("foxess-optimizer")``), else built-in defaults (which run against the
simulated cloud when no API key is set). The API key comes from ``$FOXESS_API_KEY`` or ``[foxess] api_key``;
it is held as a :class:`pydantic.SecretStr` so that it never prints.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from optimizer.errors import ConfigError

APP_NAME = "foxess-optimizer"
DEFAULT_BASE_URL = "https://www.foxesscloud.com"
ENV_API_KEY = "FOXESS_API_KEY"
ENV_BASE_URL = "FOXESS_BASE_URL"
ENV_CONFIG = "OPTIMIZER_CONFIG"
SECRET_FIELDS = frozenset({"api_key"})  # their values never appear in error messages
#: An unknown key whose name contains one of these is treated as a secret (its value is never shown).
SECRET_NAME_PARTS = ("key", "token", "secret", "password", "passwd", "pwd", "credential", "auth")
#: Sections whose unknown keys never have their value shown, whatever their name.
SECRET_SECTIONS = frozenset({"foxess"})

#: A number in the config: an int or a float, never a boolean or a string, always finite
#: (pydantic's lax mode would read ``true`` as 1).
Number = Annotated[float, Strict(), AllowInfNan(False)]
#: A whole number: an int, never a boolean, a float or a string.
Whole = Annotated[int, Strict()]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SiteConfig(_Section):
    timezone: str = "Europe/London"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class BatteryConfig(_Section):
    capacity_kwh: Number = Field(10.4, gt=0, le=1000)
    min_soc_pct: Number = Field(10, ge=0, le=100)
    max_soc_pct: Number = Field(100, ge=0, le=100)
    max_charge_kw: Number = Field(5.0, gt=0, le=1000)
    max_discharge_kw: Number = Field(5.0, gt=0, le=1000)
    charge_efficiency: Number = Field(0.95, gt=0, le=1)
    discharge_efficiency: Number = Field(0.95, gt=0, le=1)
    degradation_cost_per_kwh: Number = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _soc_order(self) -> BatteryConfig:
        if self.min_soc_pct > self.max_soc_pct:
            raise ValueError(f"min_soc_pct ({self.min_soc_pct}) must not exceed max_soc_pct ({self.max_soc_pct})")
        return self

    @property
    def min_kwh(self) -> float:
        return self.capacity_kwh * self.min_soc_pct / 100.0

    @property
    def max_kwh(self) -> float:
        return self.capacity_kwh * self.max_soc_pct / 100.0

    @property
    def rating_w(self) -> int:
        """The inverter's battery power rating [W]: the larger of the charge and discharge limits.

        Caps ``fdPwr`` (a device's ``properties`` may list a bogus maximum, see the field notes).
        """
        return round(max(self.max_charge_kw, self.max_discharge_kw) * 1000)


class GridConfig(_Section):
    export_limit_kw: Number = Field(5.0, ge=0)
    import_limit_kw: Number | None = Field(15.0, gt=0)


class TariffConfig(_Section):
    import_: str = Field("uk/octopus-go.toml", alias="import")
    export: str | None = "uk/outgoing-fixed.toml"


class FoxEssConfig(_Section):
    base_url: str = DEFAULT_BASE_URL
    devices: list[str] = Field(default_factory=list)
    api_key: SecretStr | None = None
    oauth_token_file: str | None = None
    max_calls_per_run: Whole = Field(60, ge=1, le=1440)
    daily_budget: Whole = Field(300, ge=1, le=1440)
    timeout_s: Number = Field(30.0, gt=0)


class PlannerConfig(_Section):
    slot_minutes: Whole = Field(30, ge=5, le=60)
    horizon_hours: Number = Field(24, gt=0, le=96)
    solver: Literal["auto", "highs", "cbc"] = "auto"
    time_limit_s: Number = Field(30.0, gt=0)
    terminal_value_per_kwh: Number | None = None
    end_soc_pct: Number | None = Field(None, ge=0, le=100)

    @field_validator("slot_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError(f"slot_minutes must divide 60, got {value}")
        return value


class ScheduleConfig(_Section):
    gap_fill: Literal["selfuse", "base", "auto"] = "auto"
    max_groups: Whole | None = Field(None, ge=1, le=64)  # None: as many as the device takes (8 on v1)
    min_rewrite_gain: Number = Field(0.02, ge=0)  # a changed schedule is written when expected to save more


class HistoryConfig(_Section):
    sync_days: Whole = Field(14, ge=1, le=366)
    forecast_days: Whole = Field(28, ge=1, le=366)


class PathsConfig(_Section):
    data_dir: str | None = None
    history_db: str | None = None
    log_file: str | None = None
    lock_file: str | None = None


class Config(_Section):
    site: SiteConfig = SiteConfig()
    battery: BatteryConfig = BatteryConfig()
    grid: GridConfig = GridConfig()
    tariff: TariffConfig = TariffConfig()
    foxess: FoxEssConfig = FoxEssConfig()
    planner: PlannerConfig = PlannerConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    history: HistoryConfig = HistoryConfig()
    paths: PathsConfig = PathsConfig()
    source: Path | None = Field(None, exclude=True)

    # ----- derived values -------------------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config resolve against."""
        return self.source.parent if self.source else Path.cwd()

    @property
    def api_key(self) -> SecretStr | None:
        env = os.environ.get(ENV_API_KEY)
        if env:
            return SecretStr(env)
        return self.foxess.api_key

    @property
    def base_url(self) -> str:
        return os.environ.get(ENV_BASE_URL) or self.foxess.base_url

    @property
    def data_dir(self) -> Path:
        if self.paths.data_dir:
            return self.resolve_path(self.paths.data_dir)
        return Path(platformdirs.user_data_dir(APP_NAME))

    @property
    def history_db(self) -> Path:
        if self.paths.history_db:
            return self.resolve_path(self.paths.history_db)
        return self.data_dir / "history.sqlite"

    @property
    def log_file(self) -> Path:
        if self.paths.log_file:
            return self.resolve_path(self.paths.log_file)
        return Path(platformdirs.user_log_dir(APP_NAME)) / "optimizer.log"

    @property
    def lock_file(self) -> Path:
        if self.paths.lock_file:
            return self.resolve_path(self.paths.lock_file)
        return self.data_dir / "run.lock"

    def resolve_path(self, value: str | Path) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the table at ``loc`` (e.g. ``("foxess",)``) accepts, aliases as written in the file."""
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            field = next((f for f in model.model_fields.values() if f.alias == part), None)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [f.alias or name for name, f in model.model_fields.items() if name != "source"]


def _looks_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_FIELDS or any(part in lowered for part in SECRET_NAME_PARTS)


def _where(loc: tuple[Any, ...]) -> str:
    """``("foxess", "apikey")`` → ``foxess.apikey`` (the dotted TOML key); a section alone → ``[foxess]``."""
    parts = [str(p) for p in loc if p != "__root__"]
    if len(parts) == 1:
        return f"[{parts[0]}]"
    return ".".join(parts)


def _shown(value: Any) -> str:
    """A value as written in TOML (``true``, ``"text"``, ``12``), for the error text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}..."'
    return repr(value)


def _describe(err: Mapping[str, Any]) -> str:
    """One problem as a clause: where, what, and the value unless it may be a secret.

    The value of an unknown key is never shown (a mistyped ``[foxess] apikey`` holds the API key), nor the
    value of anything whose name looks like a secret (key, token, secret, password, ...).
    """
    loc = tuple(err.get("loc", ()))
    where = _where(loc)
    value = err.get("input")
    kind = err.get("type", "")
    names = [str(part) for part in loc]
    secret = any(_looks_secret(name) for name in names)
    if kind == "extra_forbidden":
        key = names[-1] if names else "?"
        section = loc[:-1]
        known = _known_keys(section)
        guess = get_close_matches(key, known, n=1, cutoff=0.6) if known else []
        what = "section" if not section else "key"
        text = f"{where or key} is not a known {what}"
        if guess:
            text += f" (did you mean {('[' + guess[0] + ']') if not section else guess[0]}?)"
        elif known:
            text += f" (known: {', '.join(known)})"
        return text
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if kind in ("float_type", "int_type") and isinstance(value, bool):
        message = "must be a number, not a boolean" if kind == "float_type" else "must be a whole number, not a boolean"
    elif kind == "float_type":
        message = "must be a number"
    elif kind == "int_type":
        message = "must be a whole number"
    elif kind == "finite_number":
        message = "must be a finite number"
    hidden = secret or value is None or isinstance(value, dict | list)
    shown = "" if hidden else f" (got {_shown(value)})"
    return f"{where} {message}{shown}" if where else f"{message}{shown}"


def parse_config(data: dict[str, Any], source: Path | None = None, *, text: str | None = None) -> Config:
    """Validate a parsed TOML document; errors name the file, the line (when ``text``, the file's TOML, is
    given), the setting and the value (never the value of an unknown or secret-looking key)."""
    name = str(source) if source else "<config>"
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        found = sorted(
            zip(_problem_lines(errors, data, text), (_describe(e) for e in errors), strict=True),
            key=lambda pair: pair[0] if pair[0] is not None else 1 << 30,
        )
        lines = [line for line, _ in found]
        problems = [problem for _, problem in found]
        if len(problems) == 1:
            where = f"{name}, line {lines[0]}" if lines[0] is not None else name
            message = f"{where}: invalid configuration: {problems[0]}."
        else:
            located = [f"line {line}: {p}" if line is not None else p for line, p in zip(lines, problems, strict=True)]
            message = f"{name}: invalid configuration: {'; '.join(located)}."
        raise ConfigError(
            message, hint="Fix the named setting (see the Configuration section of the README)."
        ) from None


def _problem_lines(errors: list[Any], data: dict[str, Any], text: str | None) -> list[int | None]:
    """The line of each problem in the TOML ``text`` (None without the text)."""
    if text is None:
        return [None] * len(errors)
    from optimizer.tariffs.toml_lines import key_lines, line_for  # only on the error path: it loads pandas

    try:
        lines = key_lines(text)
    except Exception:  # the scanner relies on valid TOML, which tomllib has checked; be safe anyway
        return [None] * len(errors)
    return [line_for(tuple(e.get("loc", ())), lines, data)[0] for e in errors]


def load_config(path: str | Path | None = None) -> Config:
    """Load the config from ``path``, ``$OPTIMIZER_CONFIG`` or the user config dir, else the defaults."""
    explicit = path or os.environ.get(ENV_CONFIG)
    candidate = Path(explicit).expanduser() if explicit else default_config_path()
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"{candidate}: config file not found.", hint="Check --config / $OPTIMIZER_CONFIG.")
        return Config()
    try:
        text = candidate.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{candidate}: not valid TOML: {exc}.") from None
    except OSError as exc:
        raise ConfigError(f"{candidate}: cannot read the config file: {exc.strerror}.") from None
    return parse_config(data, candidate.resolve(), text=text)
