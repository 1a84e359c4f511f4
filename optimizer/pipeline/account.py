"""Opening the Fox ESS account a command talks to: the real cloud, or the built-in simulated one.

With credentials (``$FOXESS_API_KEY``, ``[foxess] api_key`` or an OAuth token file) the client talks to
``$FOXESS_BASE_URL`` / ``[foxess] base_url``. Without any, and with no base URL override, the command runs
against the **simulated Fox ESS cloud** started in-process on 127.0.0.1, so that a new user sees the whole
tool work before creating an API key. The user is told which one is in use. The embedded cloud keeps its
inverters' schedules in ``<data dir>/simulated-cloud.json`` between commands, so that ``run --push`` twice
behaves as against a real account: the second run finds the schedule in place and writes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from optimizer.config import DEFAULT_BASE_URL, ENV_BASE_URL, Config
from optimizer.errors import ConfigError
from optimizer.foxess import ApiKeyAuth, FoxEssClient, client_from_config, has_credentials
from optimizer.foxess.quota import CallCounter
from optimizer.pipeline.paths import ensure_data_dir

if TYPE_CHECKING:
    from optimizer.fakecloud import FakeCloud


@dataclass
class Account:
    """A connected client, and whether it talks to the simulated cloud."""

    client: FoxEssClient
    simulated: bool
    base_url: str
    cloud: FakeCloud | None = None  # the embedded simulated cloud


def wants_simulation(config: Config) -> bool:
    """No credentials and no base URL override: use the built-in simulated cloud."""
    overridden = bool(os.environ.get(ENV_BASE_URL)) or config.foxess.base_url != DEFAULT_BASE_URL
    return not has_credentials(config) and not overridden


SIMULATED_STATE_FILE = "simulated-cloud.json"
SIMULATED_CALLS_FILE = "simulated-api-calls.json"  # the embedded cloud's call counts, apart from a real account's


def _restore_simulated(cloud: FakeCloud, path: Path) -> None:
    """Give the embedded cloud's inverters the schedules they held at the end of the previous command."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # first run, or an unreadable file: start from the defaults
    for sn, state in saved.get("schedulers", {}).items():
        try:
            cloud.device(sn).scheduler.restore((bool(state["enable"]), list(state["slots"])))
        except (KeyError, TypeError, ValueError):
            continue


def _save_simulated(cloud: FakeCloud, path: Path) -> None:
    schedulers = {}
    for sn in cloud.state.devices:
        enable, slots = cloud.device(sn).scheduler.snapshot()
        schedulers[sn] = {"enable": enable, "slots": slots}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schedulers": schedulers}, indent=1), encoding="utf-8")


@contextmanager
def open_account(config: Config) -> Iterator[Account]:
    """Yield a connected :class:`Account`; closes the client (and stops the embedded cloud) afterwards."""
    ensure_data_dir(config)  # the call counter and the embedded cloud's state live there: a clear error first
    if wants_simulation(config):
        from optimizer.fakecloud import FakeCloud, FakeCloudConfig

        cloud = FakeCloud(FakeCloudConfig.for_embedded())
        state_file = config.data_dir / SIMULATED_STATE_FILE
        base_url = cloud.start()
        _restore_simulated(cloud, state_file)
        counter = CallCounter(
            config.data_dir / SIMULATED_CALLS_FILE,
            daily_budget=config.foxess.daily_budget,
            max_calls_per_run=config.foxess.max_calls_per_run,
        )
        # the embedded cloud runs in this process without its throttle: no need to pace the calls
        client = FoxEssClient(base_url, ApiKeyAuth(cloud.api_key), throttle=False, timeout_s=30.0, counter=counter)
        try:
            yield Account(client=client, simulated=True, base_url=base_url, cloud=cloud)
        finally:
            client.close()
            _save_simulated(cloud, state_file)
            cloud.stop()
        return
    if not has_credentials(config):
        raise ConfigError(
            "no Fox ESS credentials: set FOXESS_API_KEY (or [foxess] api_key / oauth_token_file in the config)",
            hint="Unset FOXESS_BASE_URL and [foxess] base_url to try the built-in simulated cloud instead.",
        )
    client = client_from_config(config)
    try:
        yield Account(client=client, simulated=False, base_url=config.base_url)
    finally:
        client.close()
