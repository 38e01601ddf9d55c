"""Helpers the tests import: backends, clocks, actors, processes, HTTP users, domain cases.

Fixtures stay in the conftest files; everything a test module imports by name lives here,
so no test imports a conftest.
"""
