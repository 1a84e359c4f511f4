"""The configuration file (TOML), validated once by pydantic.

Resolution order: ``--config PATH``, else ``$OPTIMIZER_CONFIG``, else ``config.toml`` in the user config dir
(``platformdirs.user_config_dir("foxess-optimizer")``), else built-in defaults (which run against the
simulated cloud when no API key is set). The API key comes from ``$FOXESS_API_KEY`` or ``[foxess] api_key``;
it is held as a :class:`pydantic.SecretStr` so that it never prints.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
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
    capacity_kwh: float = Field(10.4, gt=0, le=1000)
    min_soc_pct: float = Field(10, ge=0, le=100)
    max_soc_pct: float = Field(100, ge=0, le=100)
    max_charge_kw: float = Field(5.0, gt=0, le=1000)
    max_discharge_kw: float = Field(5.0, gt=0, le=1000)
    charge_efficiency: float = Field(0.95, gt=0, le=1)
    discharge_efficiency: float = Field(0.95, gt=0, le=1)
    degradation_cost_per_kwh: float = Field(0.0, ge=0)

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
    export_limit_kw: float = Field(5.0, ge=0)
    import_limit_kw: float | None = Field(15.0, gt=0)


class TariffConfig(_Section):
    import_: str = Field("uk/octopus-go.toml", alias="import")
    export: str | None = "uk/outgoing-fixed.toml"


class FoxEssConfig(_Section):
    base_url: str = DEFAULT_BASE_URL
    devices: list[str] = Field(default_factory=list)
    api_key: SecretStr | None = None
    oauth_token_file: str | None = None
    max_calls_per_run: int = Field(60, ge=1, le=1440)
    daily_budget: int = Field(1440, ge=1, le=1440)
    timeout_s: float = Field(30.0, gt=0)


class PlannerConfig(_Section):
    slot_minutes: int = Field(30, ge=5, le=60)
    horizon_hours: float = Field(24, gt=0, le=96)
    solver: Literal["auto", "highs", "cbc"] = "auto"
    time_limit_s: float = Field(30.0, gt=0)
    terminal_value_per_kwh: float | None = None
    end_soc_pct: float | None = Field(None, ge=0, le=100)

    @field_validator("slot_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError(f"slot_minutes must divide 60, got {value}")
        return value


class ScheduleConfig(_Section):
    gap_fill: Literal["selfuse", "base", "auto"] = "auto"
    max_groups: int = Field(8, ge=1, le=8)


class HistoryConfig(_Section):
    sync_days: int = Field(14, ge=1, le=366)
    forecast_days: int = Field(28, ge=1, le=366)


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


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    value = err.get("input")
    secret = any(str(part) in SECRET_FIELDS for part in err.get("loc", ()))
    shown = "" if isinstance(value, dict) or secret else f" (got {value!r})"
    return f"[{where}] {err.get('msg', 'invalid')}{shown}" if where else f"{err.get('msg')}{shown}"


def parse_config(data: dict[str, Any], source: Path | None = None) -> Config:
    """Validate a parsed TOML document; errors name the file, the field and the value."""
    name = str(source) if source else "<config>"
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors(include_url=False))
        raise ConfigError(
            f"{name}: invalid configuration: {problems}",
            hint="Fix the named field (see the Configuration section of the README).",
        ) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load the config from ``path``, ``$OPTIMIZER_CONFIG`` or the user config dir, else the defaults."""
    explicit = path or os.environ.get(ENV_CONFIG)
    candidate = Path(explicit).expanduser() if explicit else default_config_path()
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"{candidate}: config file not found", hint="Check --config / $OPTIMIZER_CONFIG.")
        return Config()
    try:
        text = candidate.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{candidate}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{candidate}: cannot read config: {exc.strerror}") from None
    return parse_config(data, candidate.resolve())
