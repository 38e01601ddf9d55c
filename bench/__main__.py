"""``python -m bench [--size tiny|small|full] [--only NAME] [--json PATH]``."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from bench import db
from bench.report import SECTIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=("tiny", "small", "full"), default="small")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); memory runs http, projections and dashboards",
    )
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--out", type=Path, help="directory for the district file and server logs")
    parser.add_argument(
        "--database-url", default=db.bench_url(), help="PostgreSQL database (created if missing)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schemas")
    parser.add_argument(
        "--http-workers",
        type=int,
        metavar="N",
        help="HTTP section: `chuishao serve --workers N` and the raw app under N uvicorn "
        "workers (default: the number of cores); the one-process figures are kept beside",
    )
    args = parser.parse_args(argv)

    from bench import command_path, history, http_api
    from bench.harness import SIZES, Harness

    console = Console(width=160) if not sys.stdout.isatty() else Console()
    wanted = set(args.only or SECTIONS)
    run_sections = set(wanted)
    if "memory" in wanted:
        run_sections |= {"http", "projections", "dashboards"}
    try:
        db.ensure_database(args.database_url)
    except Exception as e:
        console.print(f"[red]PostgreSQL unreachable at {args.database_url}: {e}[/red]")
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="chuishao-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    bench = Harness(
        SIZES[args.size],
        args.database_url,
        out,
        console,
        keep=args.keep,
        http_workers=args.http_workers,
    )
    bench.log(f"size {args.size}; sections {sorted(run_sections)}; files in {out}")
    t0 = time.perf_counter()
    try:
        if "command_path" in run_sections:
            command_path.run(bench)
        if "http" in run_sections:
            http_api.run(bench)
        on_history = run_sections & {"projections", "dashboards", "audit", "memory"}
        if on_history:
            history.run(bench, on_history)
    finally:
        bench.cleanup()
    bench.results.header["seconds"] = round(time.perf_counter() - t0, 1)
    bench.results.keep_only(wanted)
    bench.results.print(console)
    if args.json:
        bench.results.write(args.json)
        console.print(f"JSON: {args.json} (verdicts: python -m bench.check {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
