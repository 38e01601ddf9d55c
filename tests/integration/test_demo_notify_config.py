"""The demo jurisdiction's ``[notify]`` example loads, and its endpoints stay off — nothing
queued, nothing sent — until an operator sets both the URL's and the secret's variables
(no store involved)."""

from __future__ import annotations

from infrastructure.jurisdiction_file import demo_jurisdiction_path, load_jurisdiction
from infrastructure.notify_config import load_notify_config


def test_the_demo_endpoints_stay_off_until_url_and_secret_are_set() -> None:
    path = demo_jurisdiction_path()
    full = load_notify_config(path, load_jurisdiction(path))
    config, off = full.usable({})
    assert (config.endpoints, config.units, config.streets) == ({}, {}, {})
    assert {e.id for e in off} == set(full.endpoints) == {"jianshe-duty", "fire-robot"}
    env = {"CHUISHAO_WEBHOOK_URL_JIANSHE": "http://127.0.0.1:9/hook"}
    assert full.usable(env)[0].endpoints == {}  # a URL without its secret: never unsigned
    env["CHUISHAO_WEBHOOK_SECRET_JIANSHE"] = "s3cret"
    config, off = full.usable(env)
    assert set(config.endpoints) == {"jianshe-duty"} and [e.id for e in off] == ["fire-robot"]
    assert config.units == {"jianshe-police": "jianshe-duty", "yljw-property": "jianshe-duty"}
    assert config.streets == {"jianshe": "jianshe-duty"}
