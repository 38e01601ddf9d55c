"""Integration tier: the backend fixtures live in tests/conftest.py."""
