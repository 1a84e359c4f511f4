"""The config file: strict numbers, located one-sentence errors, and secrets that never reach the error text."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.config import load_config, parse_config
from optimizer.errors import ConfigError

SECRET = "sk-live-7f3a9c2e4b8d1f6a0c5e9b3d7a2f4c8e"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 3
    return caught.value


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("battery", "capacity_kwh", "true"),
        ("battery", "min_soc_pct", "false"),
        ("grid", "export_limit_kw", "true"),
        ("grid", "import_limit_kw", "true"),
        ("planner", "horizon_hours", "true"),
        ("planner", "end_soc_pct", "true"),
        ("planner", "slot_minutes", "true"),
        ("foxess", "max_calls_per_run", "true"),
        ("history", "sync_days", "true"),
        ("schedule", "max_groups", "true"),
    ],
)
def test_booleans_are_never_numbers(tmp_path: Path, section: str, key: str, value: str) -> None:
    error = refused(write(tmp_path, f"[{section}]\n{key} = {value}\n"))
    assert f"line 2: invalid configuration: {section}.{key} must be a" in error.message
    assert "not a boolean (got " + value + ")" in error.message
    assert error.message.endswith(".")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[planner]\nhorizon_hours = nan\n", "planner.horizon_hours must be a finite number (got nan)"),
        ("[battery]\ncapacity_kwh = inf\n", "battery.capacity_kwh must be a finite number (got inf)"),
        ('[battery]\ncapacity_kwh = "10"\n', 'battery.capacity_kwh must be a number (got "10")'),
        ("[planner]\nslot_minutes = 30.0\n", "planner.slot_minutes must be a whole number (got 30.0)"),
    ],
)
def test_other_non_numbers_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refused(write(tmp_path, text)).message


def test_ints_are_accepted_for_floats(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "[battery]\ncapacity_kwh = 10\nmax_charge_kw = 3\n[grid]\nexport_limit_kw = 0\n")
    )
    assert config.battery.capacity_kwh == 10.0 and isinstance(config.battery.capacity_kwh, float)
    assert config.grid.export_limit_kw == 0.0


@pytest.mark.parametrize("key", ["apikey", "api-key", "APIKEY", "api_kee", "key", "token"])
def test_a_mistyped_api_key_is_named_but_its_value_never_shown(tmp_path: Path, key: str) -> None:
    error = refused(write(tmp_path, f'[foxess]\nbase_url = "https://www.foxesscloud.com"\n{key} = "{SECRET}"\n'))
    text = error.explain()
    assert SECRET not in text and SECRET[:12] not in text
    assert f"line 3: invalid configuration: foxess.{key} is not a known key" in text
    assert text.endswith(".")


def test_the_suggestion_names_the_nearest_key(tmp_path: Path) -> None:
    error = refused(write(tmp_path, f'[foxess]\napikey = "{SECRET}"\n'))
    assert "foxess.apikey is not a known key (did you mean api_key?)." in error.message


def test_an_unknown_secret_looking_key_elsewhere_is_not_shown_either(tmp_path: Path) -> None:
    error = refused(write(tmp_path, f'[paths]\naccess_token = "{SECRET}"\n[tariff]\noctopus_api_key = "{SECRET}"\n'))
    assert SECRET not in error.explain()
    assert "line 2: paths.access_token is not a known key" in error.message
    assert "line 4: tariff.octopus_api_key is not a known key" in error.message


def test_a_wrong_type_for_the_api_key_never_shows_it(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "[foxess]\napi_key = 12345678901234567890\n"))
    assert "12345678901234567890" not in error.explain()
    assert "foxess.api_key" in error.message


def test_an_unknown_section_gets_a_suggestion(tmp_path: Path) -> None:
    error = refused(write(tmp_path, f'[foxes]\napi_key = "{SECRET}"\n'))
    assert "line 1: invalid configuration: [foxes] is not a known section (did you mean [foxess]?)." in error.message
    assert SECRET not in error.explain()


def test_an_unknown_key_without_a_near_match_lists_the_known_ones(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "[schedule]\nwhatever = 3\n"))
    assert "schedule.whatever is not a known key (known: gap_fill, max_groups, min_rewrite_gain)." in error.message
    assert "got" not in error.message  # an unknown key's value is never echoed


def test_several_problems_are_listed_in_file_order(tmp_path: Path) -> None:
    error = refused(
        write(tmp_path, f'[foxess]\napikey = "{SECRET}"\n[battery]\ncapacity_kwh = true\nmin_soc_pct = 120\n')
    )
    message = error.message
    assert message.index("line 2: foxess.apikey") < message.index("line 4: battery.capacity_kwh")
    assert message.index("line 4:") < message.index("line 5: battery.min_soc_pct")
    assert SECRET not in error.explain()


def test_parse_config_without_the_text_names_no_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"foxess": {"apikey": SECRET}})
    assert caught.value.message == (
        "<config>: invalid configuration: foxess.apikey is not a known key (did you mean api_key?)."
    )


def test_unreadable_and_missing_files_are_sentences(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found\.$"):
        load_config(missing)
    bad = write(tmp_path, "[battery\n")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*\.$"):
        load_config(bad)


@pytest.mark.parametrize("line", [f'api_key = "{SECRET}', f"api_key = {SECRET}", f'apikey = "{SECRET}" "x"'])
def test_invalid_toml_around_a_key_never_shows_it(tmp_path: Path, line: str) -> None:
    error = refused(write(tmp_path, f"[foxess]\n{line}\n"))
    assert "not valid TOML" in error.message and SECRET not in error.explain()
