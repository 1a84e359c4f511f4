"""The tariff TOML format: validation errors name file, line, field and value; the JSON Schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.errors import TariffError
from optimizer.tariffs.document import load_document, parse_document
from optimizer.tariffs.json_schema import SCHEMA_FILE, schema_text, tariff_json_schema
from optimizer.tariffs.library import shipped_root
from optimizer.tariffs.problems import TariffFileError
from optimizer.tariffs.toml_lines import key_lines

HEAD = 'name = "T"\ncurrency = "GBP"\ntimezone = "Europe/London"\n'


def _problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "t.toml"
    with pytest.raises(TariffFileError) as caught:
        parse_document(text, path)
    assert isinstance(caught.value, TariffError) and caught.value.exit_code == 3
    return [str(p).replace(str(path), "t.toml") for p in caught.value.problems]


def test_overlapping_bands_are_named_on_the_line_of_the_band(tmp_path: Path) -> None:
    text = HEAD + (
        "[import]\n"  # line 4
        'kind = "banded"\n'
        "bands = [\n"
        '  { start = "00:30", end = "05:30", price_per_kwh = 0.085 },\n'
        '  { start = "05:00", end = "00:30", price_per_kwh = 0.27 },\n'  # line 8
        "]\n"
    )
    assert _problems(text, tmp_path) == [
        "t.toml:8: import.bands[1]: bands[0] 00:30–05:30 and bands[1] 05:00–00:30 overlap at 05:00–05:30; "
        "every minute of the day needs exactly one band."
    ]


def test_gapped_bands_in_a_schedule(tmp_path: Path) -> None:
    text = HEAD + (
        "[import]\n"
        'kind = "banded"\n'
        "[[import.schedules]]\n"  # line 6
        'days = ["all"]\n'
        "bands = [\n"  # line 8
        '  { start = "00:00", end = "07:00", price_per_kwh = 0.1 },\n'
        '  { start = "08:00", end = "24:00", price_per_kwh = 0.2 },\n'
        "]\n"
    )
    (problem,) = _problems(text, tmp_path)
    assert problem.startswith("t.toml:8: import.schedules[0].bands: no band covers 07:00–08:00")


def test_wrong_value_type_unknown_field_and_bad_time(tmp_path: Path) -> None:
    text = HEAD + (
        "[import]\n"
        'kind = "flat"\n'
        'price_per_kwh = "cheap"\n'  # line 6
        "[export]\n"
        'kind = "banded"\n'
        'bands = [{ start = "25:00", end = "24:00", price_per_kwh = 0.1 }]\n'  # line 9
        "colour = 3\n"  # line 10
    )
    problems = _problems(text, tmp_path)
    assert any(p.startswith("t.toml:6: import.price_per_kwh: Input should be a valid number") for p in problems)
    assert any(p.startswith("t.toml:6: import.price_per_kwh:") and "(got 'cheap')" in p for p in problems)
    assert any(p.startswith("t.toml:9: export.bands[0].start: String should match pattern") for p in problems)
    assert "t.toml:10: export.colour: unknown field" in " ".join(problems)


def test_unknown_kind_and_missing_side(tmp_path: Path) -> None:
    (problem,) = _problems(HEAD + '[import]\nkind = "tou"\n', tmp_path)
    assert problem.startswith("t.toml:4: import: Input tag 'tou'") and "'flat', 'banded', 'dynamic'" in problem
    (problem,) = _problems(HEAD, tmp_path)
    assert "needs an [import] or an [export] side" in problem


def test_schedules_that_overlap_or_leave_days_out(tmp_path: Path) -> None:
    text = HEAD + (
        "[import]\n"
        'kind = "banded"\n'
        "[[import.schedules]]\n"
        'name = "weekdays"\n'
        'days = ["weekdays"]\n'
        'bands = [{ start = "00:00", end = "24:00", price_per_kwh = 0.1 }]\n'
        "[[import.schedules]]\n"  # line 10
        'name = "summer"\n'
        "months = [6, 7, 8]\n"
        'bands = [{ start = "00:00", end = "24:00", price_per_kwh = 0.1 }]\n'
    )
    (problem,) = _problems(text, tmp_path)
    assert problem.startswith(
        "t.toml:10: import.schedules[1]: schedules[0] ('weekdays') and schedules[1] ('summer') both apply to "
        "Mondays on 06-01"
    )


def test_bad_zone_currency_validity_and_formula(tmp_path: Path) -> None:
    text = (
        'name = "T"\ncurrency = "pounds"\ntimezone = "Europe/Londn"\n'
        "valid_from = 2025-02-01\nvalid_to = 2025-01-01\n"
        '[import]\nkind = "dynamic"\nfile = "x.csv"\n'
        "[import.formula]\ncap_per_kwh = 0.1\nfloor_per_kwh = 0.5\n"  # line 9-11
    )
    problems = _problems(text, tmp_path)
    assert any(p.startswith("t.toml:2: currency: String should match pattern") for p in problems)
    assert "t.toml:3: timezone: unknown IANA time zone 'Europe/Londn'" in " ".join(problems)
    assert any(p.startswith("t.toml:9: import.formula: floor_per_kwh (0.5) is above cap_per_kwh") for p in problems)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    (problem,) = _problems('name = "T"\ncurrency = "GBP\n', tmp_path)
    assert problem.startswith("t.toml:2: not valid TOML")


def test_toml_local_times_are_accepted(tmp_path: Path) -> None:
    text = HEAD + '[import]\nkind = "banded"\nbands = [{ start = 00:00:00, end = 00:00:00, price_per_kwh = 1 }]\n'
    problems = _problems(text, tmp_path)  # 00:00-00:00 is empty, but the local times themselves parse
    assert "is empty" in problems[0]


def test_key_lines_follow_tables_arrays_and_inline_tables() -> None:
    text = (
        "# comment with [brackets] and = signs\n"
        'name = "a # not a comment"\n'
        'notes = """multi\nline [x]\n"""\n'
        "[import]\n"
        "kind = 'banded'\n"
        "[[import.schedules]]\n"
        "bands = [\n"
        "  {start = '00:00', end = '24:00', price_per_kwh = 1},\n"
        "]\n"
        "[[import.schedules]]\n"
        "days = ['sat', 'sun']\n"
        "bands = [{start = '00:00',\n  end = '24:00', price_per_kwh = 2}]\n"
        "[export.formula]\n"
        "vat_pct = 5\n"
    )
    lines = key_lines(text)
    assert lines[("name",)] == 2
    assert lines[("notes",)] == 3
    assert lines[("import",)] == 6
    assert lines[("import", "kind")] == 7
    assert lines[("import", "schedules", 0)] == 8
    assert lines[("import", "schedules", 0, "bands")] == 9
    assert lines[("import", "schedules", 0, "bands", 0)] == 10
    assert lines[("import", "schedules", 1)] == 12
    assert lines[("import", "schedules", 1, "days", 1)] == 13
    assert lines[("import", "schedules", 1, "bands", 0, "end")] == 15
    assert lines[("export", "formula", "vat_pct")] == 17


def test_json_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "tariffs/tariff.schema.json is stale: run .venv/bin/python -m optimizer.tariffs.json_schema"
    )


def test_every_shipped_tariff_validates_against_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import tomllib

    schema = tariff_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(shipped_root().rglob("*.toml"))
    assert len(files) >= 13
    for path in files:
        data = json.loads(json.dumps(tomllib.loads(path.read_text(encoding="utf-8")), default=str))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path, errors)
        load_document(path)  # and against the models, coverage rules included
