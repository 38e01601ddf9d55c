"""Unit tier: the domain in memory. Its helpers (cases, checks, commands) live in tests/support."""
