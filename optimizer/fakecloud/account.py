"""What the simulated account holds: inverter models, inverters, plants, data loggers and a meter.

The default account (:func:`default_account`) has two plants and two hybrid inverters of different models:

* ``66BH5020FC00001``: an **H1-5.0-E-G2** at "Fake Home" (Europe/London), 10.36 kWh battery, scheduler v1
  with ``maxSoc``, fdPwr up to 5000 W; with a grid meter and a data logger.
* ``60BH3720FC00002``: an **H1-3.7-E** (older firmware) at "Fake Cottage" (Europe/Paris), 5.18 kWh battery,
  **no scheduler support** (``function.scheduler`` false, ``scheduler/get/flag`` support 0); its
  ``device/detail.capacity`` reads 3 because the real server truncates half-kW ratings.

:func:`with_evo` adds a third, optional inverter (``FakeCloudConfig(evo_inverter=True)``):

* ``60EVO1020FC0003``: an **EVO 10-5-H** (productType ``812``) at "Fake Workshop" (Europe/London), 14.4 kWh
  battery; scheduler **v3 only**: v1/v0 ``scheduler/get`` and ``scheduler/enable`` fail with 41200 for good,
  ``maxGroupCount`` 10, fdSoc/minSocOnGrid from 5 %, fdPwr 0–12000 W, the ``(BAT)`` work modes,
  ``secondWorkMode`` and the v3 limits (pvLimit, exportLimit, importLimit, reactivePower).

Every field can be changed through :class:`AccountSpec` so that tests can build other accounts.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from optimizer.config import BatteryConfig, GridConfig
from optimizer.errors import ConfigError

_NAMESPACE = uuid.UUID("4f0c8f0e-6a7e-4f38-9d8e-0f5f2c1d2b10")


def station_id(name: str) -> str:
    """A stable UUID-shaped station id (the real ids are UUIDs)."""
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass(frozen=True)
class ModelSpec:
    """One inverter model and firmware as the cloud describes it.

    Scheduler: ``scheduler`` (any support at all); ``scheduler_v1`` false makes the v1 and v0 group endpoints
    (``scheduler/get``, ``scheduler/enable``) fail with 41200 for good, as on EVO (the flag endpoints, which
    every version shares, still work); ``max_group_count`` is v3's ``maxGroupCount``; ``soc_min_pct`` the
    minimum of the ``fdsoc``/``minsocongrid`` ranges; the ``*_max`` fields list the v3 ``extraParam`` limits
    the model supports (``None``: not in its ``properties``, so v3 refuses the key with 40257);
    ``second_work_modes`` the ``secondworkmode`` list (empty: not supported); ``reports_remain_group`` makes
    v2/v3 reads show the "Remain Time" 00:00–23:59 group (the base work mode) when none is stored.
    """

    device_type: str
    product_type: str
    rated_power_w: int
    has_battery: bool = True
    has_pv: bool = True
    scheduler: bool = True
    max_soc: bool = True
    fdpwr_max_w: int | None = None
    scheduler_modes: tuple[str, ...] = ("ForceDischarge", "Feedin", "Backup", "SelfUse", "ForceCharge")
    setting_modes: tuple[str, ...] = ("SelfUse", "Feedin", "Backup", "PeakShaving")
    peak_shaving: bool = True
    master_version: str = "1.52"
    slave_version: str = "1.09"
    manager_version: str = "1.61"
    hardware_version: str = "--"
    afci_version: str = ""
    scheduler_v1: bool = True
    max_group_count: int = 8
    soc_min_pct: int = 10
    pv_limit_max_w: int | None = None
    export_limit_max_w: int | None = None
    import_limit_max_w: int | None = None
    reactive_power_max_var: int | None = None
    second_work_modes: tuple[str, ...] = ()
    reports_remain_group: bool = False

    @property
    def fdpwr_limit_w(self) -> int:
        """The ``fdpwr`` range maximum of ``scheduler/get`` [W]."""
        return self.fdpwr_max_w if self.fdpwr_max_w is not None else self.rated_power_w

    @property
    def capacity_kw_reported(self) -> int:
        """``device/detail.capacity``: whole kW, truncated like the real server (3.7 kW reads 3)."""
        return int(self.rated_power_w // 1000)


@dataclass(frozen=True)
class BatteryModule:
    """One battery pack of ``device/detail.batteryList``."""

    battery_sn: str
    kind: str  # "master" or "slave"
    model: str
    version: str
    capacity_wh: int


@dataclass(frozen=True)
class DeviceSpec:
    """One inverter of the account and the site behind it."""

    sn: str
    model: ModelSpec
    station_id: str
    module_sn: str
    battery: BatteryConfig
    grid: GridConfig
    modules: tuple[BatteryModule, ...] = ()
    load_scale: float = 1.0
    pv_scale: float = 1.0
    data_offset_days: int = 0
    initial_soc_pct: float = 50.0
    min_soc_pct: int = 10
    min_soc_on_grid_pct: int = 10
    max_soc_pct: int = 100
    grid_code: str = "UK G98/G99"
    lifetime_kwh: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data_offset_days % 7:
            raise ConfigError(f"{self.sn}: data_offset_days must be whole weeks, got {self.data_offset_days}")


@dataclass(frozen=True)
class PlantSpec:
    station_id: str
    name: str
    timezone: str
    country: str = "United Kingdom"
    country_code: str = "GB"
    city: str = "Bristol"
    address: str = "1 Example Road"
    postcode: str = "BS1 1AA"
    capacity_kw: float = 4.4
    price_per_kwh: float = 0.25
    currency: str = "GBP(£)"
    created: datetime = datetime(2023, 5, 17, 10, 24, 0, tzinfo=UTC)


@dataclass(frozen=True)
class LoggerSpec:
    module_sn: str
    station_id: str
    signal: int = 78
    status: int = 1  # 1 online, 2 offline


@dataclass(frozen=True)
class MeterSpec:
    sn: str
    station_id: str
    status: int = 1  # 1 online, 2 fault, 3 offline
    mode: str = "normal"
    feedin_power_w: int = 5000


@dataclass(frozen=True)
class AccountSpec:
    """Everything the simulated account holds."""

    plants: tuple[PlantSpec, ...]
    devices: tuple[DeviceSpec, ...]
    loggers: tuple[LoggerSpec, ...]
    meters: tuple[MeterSpec, ...] = ()
    user_name: str = "Fake User"
    user_email: str = "fake.user@example.invalid"
    user_phone: str = "+44 0000 000000"
    installer_name: str = "Example Solar Ltd"
    installer_email: str = "support@example.invalid"
    installer_phone: str = "+44 0000 000001"

    def __post_init__(self) -> None:
        stations = {p.station_id for p in self.plants}
        for device in self.devices:
            if device.station_id not in stations:
                raise ConfigError(f"device {device.sn}: unknown station {device.station_id}")
        sns = [d.sn for d in self.devices]
        if len(set(sns)) != len(sns):
            raise ConfigError(f"device serial numbers must be unique, got {sns}")


H1_G2 = ModelSpec(
    device_type="H1-5.0-E-G2",
    product_type="H",
    rated_power_w=5000,
    scheduler=True,
    max_soc=True,
    scheduler_modes=("ForceDischarge", "Feedin", "Backup", "SelfUse", "ForceCharge"),
)
H1_G1 = ModelSpec(
    device_type="H1-3.7-E",
    product_type="H",
    rated_power_w=3680,
    scheduler=False,
    max_soc=False,
    scheduler_modes=(),
    setting_modes=("SelfUse", "Feedin", "Backup"),
    peak_shaving=False,
    master_version="1.34",
    slave_version="1.02",
    manager_version="1.40",
)

EVO_10 = ModelSpec(
    device_type="EVO 10-5-H",
    product_type="812",
    rated_power_w=10000,
    scheduler=True,
    max_soc=True,
    fdpwr_max_w=12000,  # above the rating, as real properties often are
    scheduler_modes=(
        "ForceDischarge",
        "Feedin",
        "ForceCharge(BAT)",
        "ForceDischarge(BAT)",
        "Backup",
        "SelfUse",
        "ForceCharge",
    ),
    setting_modes=("SelfUse", "Feedin", "Backup"),
    peak_shaving=False,
    master_version="1.10",
    slave_version="1.02",
    manager_version="1.21",
    scheduler_v1=False,
    max_group_count=10,
    soc_min_pct=5,
    pv_limit_max_w=24000,
    export_limit_max_w=100000,
    import_limit_max_w=100000,
    reactive_power_max_var=6000,
    second_work_modes=("SelfUse", "Feedin", "Backup"),
    reports_remain_group=True,
)
"""An EVO-like inverter (productType 812): v3 properties as in the field notes' EVO/H3-G2 sample, v1 refused."""

HYBRID_SN = "66BH5020FC00001"
PLAIN_SN = "60BH3720FC00002"
EVO_SN = "60EVO1020FC0003"
HOME_STATION = station_id("Fake Home")
COTTAGE_STATION = station_id("Fake Cottage")
WORKSHOP_STATION = station_id("Fake Workshop")


def default_account() -> AccountSpec:
    """Two plants, two inverters of different models, two data loggers and a meter."""
    hybrid = DeviceSpec(
        sn=HYBRID_SN,
        model=H1_G2,
        station_id=HOME_STATION,
        module_sn="609W6EUF46FC001",
        battery=BatteryConfig(
            capacity_kwh=10.36,
            min_soc_pct=10,
            max_soc_pct=100,
            max_charge_kw=5.0,
            max_discharge_kw=5.0,
            charge_efficiency=0.95,
            discharge_efficiency=0.95,
        ),
        grid=GridConfig(export_limit_kw=5.0, import_limit_kw=15.0),
        modules=tuple(
            BatteryModule(f"60HV2600FC0{i:04d}", "master" if i == 1 else "slave", "HV2600", "1.014", 2590)
            for i in range(1, 5)
        ),
        initial_soc_pct=55.0,
        lifetime_kwh={
            "generation": 6412.7,
            "feedin": 2105.3,
            "loads": 9874.1,
            "gridConsumption": 5320.8,
            "chargeEnergyToTal": 3010.4,
            "dischargeEnergyToTal": 2755.9,
            "PVEnergyTotal": 7120.6,
        },
    )
    plain = DeviceSpec(
        sn=PLAIN_SN,
        model=H1_G1,
        station_id=COTTAGE_STATION,
        module_sn="609W6EUF46FC002",
        battery=BatteryConfig(
            capacity_kwh=5.18,
            min_soc_pct=10,
            max_soc_pct=100,
            max_charge_kw=3.0,
            max_discharge_kw=3.0,
            charge_efficiency=0.95,
            discharge_efficiency=0.95,
        ),
        grid=GridConfig(export_limit_kw=3.68, import_limit_kw=12.0),
        modules=tuple(
            BatteryModule(f"60HV2600FC1{i:04d}", "master" if i == 1 else "slave", "HV2600", "1.009", 2590)
            for i in range(1, 3)
        ),
        load_scale=0.7,
        pv_scale=0.8,
        data_offset_days=21,
        initial_soc_pct=40.0,
        min_soc_pct=15,
        min_soc_on_grid_pct=15,
        grid_code="EN50549",
        lifetime_kwh={
            "generation": 3910.2,
            "feedin": 1204.0,
            "loads": 5120.6,
            "gridConsumption": 2980.3,
            "chargeEnergyToTal": 1450.7,
            "dischargeEnergyToTal": 1322.5,
            "PVEnergyTotal": 4388.1,
        },
    )
    return AccountSpec(
        plants=(
            PlantSpec(HOME_STATION, "Fake Home", "Europe/London", capacity_kw=4.4),
            PlantSpec(
                COTTAGE_STATION,
                "Fake Cottage",
                "Europe/Paris",
                country="France",
                country_code="FR",
                city="Nancy",
                address="2 Rue de l'Exemple",
                postcode="54000",
                capacity_kw=3.5,
                price_per_kwh=0.2516,
                currency="EUR(€)",
                created=datetime(2022, 8, 2, 14, 5, 0, tzinfo=UTC),
            ),
        ),
        devices=(hybrid, plain),
        loggers=(
            LoggerSpec("609W6EUF46FC001", HOME_STATION, signal=82),
            LoggerSpec("609W6EUF46FC002", COTTAGE_STATION, signal=64),
        ),
        meters=(MeterSpec("MT0DDSU666FC001", HOME_STATION),),
    )


def evo_device() -> tuple[PlantSpec, DeviceSpec, LoggerSpec]:
    """The EVO-like inverter of :func:`with_evo`, its plant "Fake Workshop" (Europe/London) and data logger."""
    plant = PlantSpec(WORKSHOP_STATION, "Fake Workshop", "Europe/London", city="Bath", capacity_kw=8.0)
    device = DeviceSpec(
        sn=EVO_SN,
        model=EVO_10,
        station_id=WORKSHOP_STATION,
        module_sn="609W6EUF46FC003",
        battery=BatteryConfig(
            capacity_kwh=14.4,
            min_soc_pct=10,
            max_soc_pct=100,
            max_charge_kw=8.0,
            max_discharge_kw=8.0,
            charge_efficiency=0.96,
            discharge_efficiency=0.96,
        ),
        grid=GridConfig(export_limit_kw=10.0, import_limit_kw=20.0),
        modules=tuple(
            BatteryModule(f"60EQ4800FC2{i:04d}", "master" if i == 1 else "slave", "EQ4800", "1.003", 4800)
            for i in range(1, 4)
        ),
        load_scale=1.3,
        pv_scale=1.6,
        data_offset_days=35,
        initial_soc_pct=45.0,
        lifetime_kwh={
            "generation": 2210.4,
            "feedin": 801.9,
            "loads": 3105.2,
            "gridConsumption": 1690.0,
            "chargeEnergyToTal": 1204.3,
            "dischargeEnergyToTal": 1110.8,
            "PVEnergyTotal": 2540.5,
        },
    )
    return plant, device, LoggerSpec("609W6EUF46FC003", WORKSHOP_STATION, signal=71)


def with_evo(account: AccountSpec) -> AccountSpec:
    """``account`` plus the EVO-like inverter (:data:`EVO_SN`), its plant and its data logger."""
    if any(d.sn == EVO_SN for d in account.devices):
        return account
    plant, device, logger = evo_device()
    plants = (
        account.plants if any(p.station_id == plant.station_id for p in account.plants) else (*account.plants, plant)
    )
    return dataclasses.replace(
        account, plants=plants, devices=(*account.devices, device), loggers=(*account.loggers, logger)
    )


__all__ = [
    "EVO_10",
    "EVO_SN",
    "HYBRID_SN",
    "PLAIN_SN",
    "AccountSpec",
    "BatteryModule",
    "DeviceSpec",
    "LoggerSpec",
    "MeterSpec",
    "ModelSpec",
    "PlantSpec",
    "default_account",
    "evo_device",
    "station_id",
    "with_evo",
]
