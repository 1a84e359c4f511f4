"""CLI commands for the account: run (the cron entry point), status, doctor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from optimizer.cli.common import ConfigOption, JsonOption, console, emit_json, get_config, info, progress_for


def register_nightly(app: typer.Typer) -> None:
    from optimizer.cli.planning import (
        EndSocOpt,
        ExportTariffOpt,
        ForecastOpt,
        HorizonOpt,
        SlotOpt,
        TariffOpt,
        TerminalOpt,
        _options,
    )

    @app.command("run")
    def run_cmd(
        config_path: Path | None = ConfigOption,
        as_json: bool = JsonOption,
        push: bool = typer.Option(False, "--push", help="Write the schedules (default: dry-run, nothing written)."),
        tariff: str | None = TariffOpt,
        export_tariff: str | None = ExportTariffOpt,
        horizon: str = HorizonOpt,
        slot: str | None = SlotOpt,
        end_soc: float | None = EndSocOpt,
        terminal_value: float | None = TerminalOpt,
        forecast: str = ForecastOpt,
        device: str | None = typer.Option(None, "--device", help="Only this inverter serial."),
        wait: float = typer.Option(300.0, "--wait", help="Seconds to wait for another run's lock before giving up."),
        log_file: Path | None = typer.Option(None, "--log-file", help="Rotating log file (default: user log dir)."),
    ) -> None:
        """The nightly entry point: plan (and with --push write and verify) every configured inverter."""
        from optimizer.nightly import run_nightly, setup_run_log

        config = get_config(config_path)
        options = _options(
            None,
            tariff,
            export_tariff,
            None,
            horizon,
            slot,
            None,
            end_soc,
            terminal_value,
            forecast,
            device,
            None,
        )
        handler = setup_run_log(log_file or config.log_file)
        try:
            report = run_nightly(
                config,
                options,
                push=push,
                wait_s=wait,
                progress_factory=lambda sn: progress_for(f"history {sn}"),
            )
        finally:
            handler.close()
        if report.simulated:
            info("No Fox ESS credentials: ran against the built-in simulated Fox ESS cloud.")
        if as_json:
            emit_json(report.to_json())
        else:
            _print_run(report, push)
        if report.exit_code:
            raise typer.Exit(report.exit_code)

    @app.command("status")
    def status_cmd(
        config_path: Path | None = ConfigOption,
        as_json: bool = JsonOption,
        device: str | None = typer.Option(None, "--device", help="Only this inverter serial."),
    ) -> None:
        """Current scheduler groups and flag, battery SoC and API quota left, per inverter."""
        from optimizer.account import open_account
        from optimizer.device import live_soc_pct, scheduler_devices
        from optimizer.render import groups_table

        config = get_config(config_path)
        docs: list[dict[str, Any]] = []
        with open_account(config) as account:
            client = account.client
            quota = _quota(client)
            for summary in scheduler_devices(client, config):
                sn = summary.deviceSN
                if device and sn != device:
                    continue
                flag = client.scheduler_get_flag(sn)
                doc: dict[str, Any] = {
                    "sn": sn,
                    "scheduler_support": bool(flag.support),
                    "enable": bool(flag.enable),
                }
                if flag.support:
                    state = client.scheduler_get(sn)
                    doc["groups"] = [g.wire() for g in state.groups if g.is_active]
                    doc["_groups"] = [g for g in state.groups if g.is_active]
                doc["soc_pct"] = live_soc_pct(client, sn)
                docs.append(doc)
            calls = client.calls_made
        if as_json:
            emit_json(
                {
                    "devices": [{k: v for k, v in d.items() if not k.startswith("_")} for d in docs],
                    "quota": quota,
                    "api_calls": calls,
                    "simulated_cloud": account.simulated,
                }
            )
            return
        if account.simulated:
            info("No Fox ESS credentials: showing the built-in simulated Fox ESS cloud.")
        for d in docs:
            soc = "?" if d["soc_pct"] is None else f"{d['soc_pct']:.0f} %"
            support = "scheduler on" if d["enable"] else "scheduler off"
            if not d["scheduler_support"]:
                support = "no scheduler support"
            console.print(f"{d['sn']}: SoC {soc}, {support}", markup=False)
            if d["scheduler_support"]:
                console.print(groups_table(d["_groups"], title=f"Groups on {d['sn']}"))
        if quota:
            console.print(f"API quota: {quota.get('remaining')} of {quota.get('total')} calls left today", markup=False)
        console.print(f"API calls used: {calls}", markup=False)

    @app.command("doctor")
    def doctor_cmd(config_path: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
        """Check config, tariffs, solver, auth, clock skew, quota and scheduler support; say what to fix."""
        from optimizer.doctor import run_checks

        checks = run_checks(config_path)
        if as_json:
            emit_json({"checks": [c.to_json() for c in checks], "ok": all(c.ok for c in checks)})
        else:
            table = Table(title="optimizer doctor", title_justify="left")
            for col in ("check", "result", "detail"):
                table.add_column(col)
            for c in checks:
                table.add_row(escape(c.name), "ok" if c.ok else ("warn" if c.warning else "FAIL"), escape(c.detail))
            console.print(table)
        failed = [c for c in checks if not c.ok and not c.warning]
        if failed:
            raise typer.Exit(failed[0].exit_code)


def _quota(client: Any) -> dict[str, Any] | None:
    from optimizer.errors import FoxEssError

    try:
        count = client.access_count()
    except FoxEssError:
        return None
    return {"remaining": getattr(count, "remaining", None), "total": getattr(count, "total", None)}


def _print_run(report: Any, push: bool) -> None:
    from optimizer.render import groups_table, schedule_diff, summary_lines

    for d in report.devices:
        if d.outcome is None:
            continue
        for line in summary_lines(d.outcome):
            console.print(line, markup=False)
        console.print(groups_table(d.outcome.groups, title=f"Groups for {d.sn}"))
        diff = schedule_diff(d.outcome.device.current_groups, d.outcome.groups)
        if diff:
            console.print("Change against what the inverter held before this run:", markup=False)
            for line in diff:
                console.print(f"  {line}", markup=False)
        console.print()
    table = Table(title="optimizer run" + (" --push" if push else " (dry-run: nothing written)"), title_justify="left")
    table.add_column("inverter", no_wrap=True)
    for col in ("groups", "saving", "pushed", "writes", "verified", "calls"):
        table.add_column(col, justify="right")
    table.add_column("result")
    for d in report.devices:
        groups = "-" if d.outcome is None else str(len(d.outcome.groups))
        saving = "-" if d.expected_savings is None else f"{d.expected_savings:.2f}"
        result = d.skipped or (f"failed (exit {d.exit_code})" if d.error else "ok")
        yes_no = ("no", "yes")
        row = (d.sn, groups, saving, yes_no[d.pushed], str(d.writes), yes_no[d.verified], str(d.api_calls), result)
        table.add_row(*row)
    console.print(table)
    for d in report.devices:
        if d.error:
            console.print(f"{d.sn}: {d.error}", markup=False)
        elif d.push is not None and d.push.unchanged:
            console.print(f"{d.sn}: the inverter already holds this schedule; nothing written.", markup=False)
    if not report.devices:
        print("no inverters to plan for", file=sys.stderr)
