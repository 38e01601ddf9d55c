"""The seeded history generator the projection tests drive: the edge-case mix of the one
generator in ``bench/histories/``, kept under this name for the tests' imports."""

from bench.histories.edge_cases import HistoryGenerator, SettableClock

__all__ = ["HistoryGenerator", "SettableClock"]
