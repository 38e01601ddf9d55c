"""`chuishao export-rollups`, `import-rollups` and `province`: one database per city, a
province summing its cities' signed rollups (projections/federation.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from application.log_chain import key_id_of
from infrastructure.signing_keys import KeyFileError, check_signature, key_file, load_signer
from infrastructure.sql import make_engine
from interfaces.bootstrap import build_container
from interfaces.cli.context import settings_of
from interfaces.cli.render import local
from interfaces.cli.signing import read_trusted
from projections.federation import (
    RollupsRefused,
    check_export,
    city_rollups,
    import_export,
    total,
)
from projections.federation import (
    province as province_rows,
)
from projections.measures import RATE_LABELS, TARGETED, Counts, Weights

console = Console(width=150)


def export_rollups(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="the file to write (JSON)")],
    city: Annotated[str, typer.Option(help="this city's id in the province, e.g. beijing")],
    city_name: Annotated[
        str | None, typer.Option(help="its name (default: the jurisdiction file's name)")
    ] = None,
) -> None:
    """Export this city's dashboard counts per month × street × community, signed with
    the log's signing key, for the provincial database (`chuishao import-rollups`)."""
    settings = settings_of(ctx)
    try:
        signer = load_signer(key_file(settings))
    except KeyFileError as e:
        console.print(f"[red]需要本市的日志签名密钥来签署导出文件：{escape(str(e))}[/red]")
        raise typer.Exit(1) from None
    with build_container(settings, signing=False) as container:
        console.print("正在将统计视图追到日志最新位置…")
        container.projector.catch_up()
        doc = city_rollups(
            container.engine,
            container.service.jurisdiction,
            city_id=city,
            city_name=city_name or container.service.jurisdiction.name,
            log_position=container.service.log_position(),
        )
    from projections.federation import signed_bytes

    doc |= {"key_id": signer.key_id, "public_key": signer.public_key}
    doc["signature"] = signer.sign(signed_bytes(doc))
    to.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    console.print(
        f"已导出 {city}（{doc['city_name']}）的汇总：{len(doc['rows'])} 行，日志位置 "
        f"{doc['log_position']}，密钥 {signer.key_id} 签名 → {to}"
    )


def import_rollups(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="rollups files from the cities")],
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="CITY=PEM: the key a city's files must be signed with (else the first file's)",
        ),
    ] = None,
) -> None:
    """Import cities' rollups into this (provincial) database. A city's newer file replaces
    its older one; the same file again changes nothing; a file not signed by the city's
    key, or altered, is refused (exit 1) and nothing of it is stored."""
    pinned: dict[str, str] = {}
    for item in public_key or []:
        city, _, pem = item.partition("=")
        keys = read_trusted([Path(pem)])
        pinned[city] = next(iter(keys.values()))
    engine = make_engine(settings_of(ctx))
    refused = 0
    try:
        for path in files:
            try:
                doc = json.loads(path.read_text())
                check_export(doc, check_signature=check_signature, key_id_of=key_id_of)
                done = import_export(engine, doc, pinned=pinned)
            except (OSError, ValueError) as e:
                refused += 1
                zh = e.zh if isinstance(e, RollupsRefused) else f"无法读取：{e}"
                console.print(f"[bold red]{path}：{escape(zh)}[/bold red]")
                continue
            state = {"new": "新导入", "updated": "已更新", "unchanged": "未变化（同一文件）"}
            console.print(
                f"{path}：{done.city_id}（{escape(done.city_name)}）{state[done.outcome]}，{done.rows} 行"
            )
    finally:
        engine.dispose()
    if refused:
        raise typer.Exit(1)


def province(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="one month, YYYY-MM (default: all)")] = None,
) -> None:
    """The provincial dashboard: each imported city's measures and the province's, computed
    from the summed counts."""
    settings = settings_of(ctx)
    engine = make_engine(settings)
    try:
        rows = province_rows(engine, month=month)
    finally:
        engine.dispose()
    weights = Weights(target=settings.target_rate)
    shown = (*TARGETED, "composite")
    table = Table(
        title=f"全省汇总{'（' + month + '）' if month else ''}（目标线 {weights.target:.0%}）"
    )
    for heading in ("城市", "统计时点", "受理", *(RATE_LABELS[k] for k in shown)):
        table.add_column(heading, no_wrap=True)
    for r in rows:
        table.add_row(
            escape(r.city_name),
            _beijing(r.as_of),
            str(r.counts.reported),
            *_rates(r.counts, weights, shown),
        )
    everything = total(rows)
    table.add_row(
        "[bold]全省[/bold]", "", str(everything.reported), *_rates(everything, weights, shown)
    )
    console.print(table)


def _beijing(iso: str) -> str:
    try:
        return local(datetime.fromisoformat(iso))
    except ValueError:
        return iso[:16]


def _rates(counts: Counts, weights: Weights, shown: tuple[str, ...]) -> list[str]:
    rates = counts.rates(weights)
    out = []
    for k in shown:
        v = getattr(rates, k)
        text = "—" if v is None else f"{v:.1%}"
        out.append(
            f"[red]{text}[/red]" if v is not None and k in TARGETED and v < weights.target else text
        )
    return out
