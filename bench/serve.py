"""The two HTTP servers the benchmark starts with uvicorn, each in its own subprocess.

``python -m bench.serve chuishao --port P [--no-projections]``: the product's app, built
from CHUISHAO_* settings exactly as ``chuishao serve`` builds it.

``python -m bench.serve raw --port P``: the baseline — a minimal FastAPI app whose
``POST /raw`` validates a small JSON body and does one INSERT of an event-sized row (one
transaction) through a psycopg connection pool of the same size as the product's.

``--workers N`` (raw only): N uvicorn worker processes, each building the app from the
environment (``bench.serve:raw_app`` as a factory) — the baseline for the product served as
``chuishao serve --workers N``, which the harness starts itself.

Each uvicorn process runs with the access log off.
"""

import argparse
import os
import uuid

import uvicorn


def raw_app():  # type: ignore[no-untyped-def]
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from psycopg_pool import ConnectionPool
    from pydantic import BaseModel

    url = os.environ["CHUISHAO_DATABASE_URL"]
    schema = os.environ["CHUISHAO_DATABASE_SCHEMA"]
    state_size = int(os.environ.get("BENCH_RAW_STATE_BYTES", "450"))
    topic_size = int(os.environ.get("BENCH_RAW_TOPIC_BYTES", "26"))
    pool_size = int(os.environ.get("CHUISHAO_POOL_SIZE", "5"))
    overflow = int(os.environ.get("CHUISHAO_POOL_MAX_OVERFLOW", "10"))
    pool = ConnectionPool(url, min_size=pool_size, max_size=pool_size + overflow, open=False)
    sql = (
        f'INSERT INTO "{schema}".raw_events (originator_id, originator_version, topic, state) '
        "VALUES (%s, 1, %s, %s) RETURNING notification_id"
    )
    payload = os.urandom(state_size)
    topic = "t" * topic_size

    class Body(BaseModel):
        grid_id: str
        category_id: str
        title: str
        description: str = ""
        channel: str = "patrol"

    @asynccontextmanager
    async def lifespan(_):  # type: ignore[no-untyped-def]
        pool.open(wait=True)
        yield
        pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/raw", status_code=201)
    def insert(body: Body) -> dict[str, object]:
        case_id = uuid.uuid4()
        with pool.connection() as conn:
            row = conn.execute(sql, (case_id, topic, payload), prepare=True).fetchone()
        return {"case_id": str(case_id), "version": 1, "position": row[0] if row else 0}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def chuishao_app(projections: bool):  # type: ignore[no-untyped-def]
    from infrastructure.settings import Settings
    from interfaces.bootstrap import build_container
    from interfaces.http.app import create_app

    return create_app(build_container(Settings()), run_projections=projections)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("chuishao", "raw"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-projections", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (raw only)")
    args = parser.parse_args()
    if args.workers > 1:
        if args.which != "raw":
            parser.error("the product with workers is `chuishao serve --workers N`")
        uvicorn.run(
            "bench.serve:raw_app",
            factory=True,
            workers=args.workers,
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
            access_log=False,
        )
        return
    app = raw_app() if args.which == "raw" else chuishao_app(not args.no_projections)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
