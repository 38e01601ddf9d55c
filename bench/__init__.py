"""Benchmarks for chuishao: ``python -m bench [--size tiny|small|full] [--only NAME] [--json PATH]``.

Every figure is measured beside a baseline taken in the same run on the same machine
(raw psycopg INSERTs, a minimal FastAPI endpoint, raw reads of the events table …), so
the ratio says how close the product comes to the limit of what it stands on.
See docs/benchmarks.md for the figures and what limits each one.
"""
