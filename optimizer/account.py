"""Opening the Fox ESS account a command talks to: the real cloud, or the built-in simulated one.

With credentials (``$FOXESS_API_KEY``, ``[foxess] api_key`` or an OAuth token file) the client talks to
``$FOXESS_BASE_URL`` / ``[foxess] base_url``. Without any, and with no base URL override, the command runs
against the **simulated Fox ESS cloud** started in-process on 127.0.0.1, so that a new user sees the whole
tool work before creating an API key. The user is told which one is in use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from optimizer.config import DEFAULT_BASE_URL, ENV_BASE_URL, Config
from optimizer.errors import ConfigError
from optimizer.foxess import ApiKeyAuth, FoxEssClient, client_from_config, has_credentials


@dataclass
class Account:
    """A connected client, and whether it talks to the simulated cloud."""

    client: FoxEssClient
    simulated: bool
    base_url: str
    cloud: object | None = None  # the embedded FakeCloud, when simulated


def wants_simulation(config: Config) -> bool:
    """No credentials and no base URL override: use the built-in simulated cloud."""
    overridden = bool(os.environ.get(ENV_BASE_URL)) or config.foxess.base_url != DEFAULT_BASE_URL
    return not has_credentials(config) and not overridden


@contextmanager
def open_account(config: Config) -> Iterator[Account]:
    """Yield a connected :class:`Account`; closes the client (and stops the embedded cloud) afterwards."""
    if wants_simulation(config):
        from optimizer.fakecloud import FakeCloud, FakeCloudConfig

        cloud = FakeCloud(FakeCloudConfig.for_embedded())
        base_url = cloud.start()
        client = FoxEssClient(base_url, ApiKeyAuth(cloud.api_key), throttle=False, timeout_s=30.0)
        try:
            yield Account(client=client, simulated=True, base_url=base_url, cloud=cloud)
        finally:
            client.close()
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
