"""The web console: server-rendered Chinese pages over the same services as the API."""
