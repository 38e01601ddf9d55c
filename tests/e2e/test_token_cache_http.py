"""Bearer look-ups are cached in process, yet a token revoked or rotated by another
process is refused on the very next request; the cache holds token hashes, never tokens."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from starlette.responses import JSONResponse

from application.access import User, hash_token
from domain.values import Role
from infrastructure.settings import Settings
from infrastructure.token_cache import TokenCache
from interfaces.bootstrap import build_container
from interfaces.http.json_response import FastJSONResponse
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.processes import CLI

CASE = {"grid_id": "chengshi-huating", "category_id": "ebike", "title": "缓存测试"}


def test_token_revoked_by_the_cli_in_another_process_is_refused_next_request(
    api: Api, cli_env: Settings
) -> None:
    assert api.get("police", "/cases").status_code == 200
    assert api.get("police", "/cases").status_code == 200  # now served from the cache
    assert hash_token(api.tokens["police"]) in api.container.users.cache.keys()
    subprocess.run([*CLI, "users", "revoke", "police"], env=dict(os.environ), check=True)
    r = api.get("police", "/cases")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert api.post("police", "/cases", CASE).status_code == 401


def test_token_rotated_through_another_container_is_refused_next_request(
    api: Api, settings: Settings
) -> None:
    assert api.get("coordinator", "/cases").status_code == 200
    with build_container(settings, signing=False) as other:  # its own engine and cache
        new_hash = hash_token("cs_" + uuid.uuid4().hex)
        assert other.users.rotate("coordinator", new_hash)
    assert api.get("coordinator", "/cases").status_code == 401
    assert api.post("coordinator", "/cases", CASE).status_code == 401
    assert hash_token(api.tokens["coordinator"]) not in api.container.users.cache.keys()


def test_user_added_elsewhere_and_revoked_elsewhere_is_seen_both_times(
    api: Api, settings: Settings
) -> None:
    from interfaces.cli.users import add_user

    with build_container(settings, signing=False) as other:
        token = add_user(other, "late", "late", Role.AUDITOR, [])
        headers = {"Authorization": f"Bearer {token}"}
        assert api.client.get("/cases", headers=headers).status_code == 200
        assert other.users.revoke("late")
    assert api.client.get("/cases", headers=headers).status_code == 401


@sqlite_only
def test_the_cache_holds_hashes_never_tokens_and_no_unknown_ones(api: Api) -> None:
    for user in ("grid_lead", "coordinator", "auditor"):
        assert api.get(user, "/cases").status_code == 200
    cache = api.container.users.cache
    keys = cache.keys()
    assert {hash_token(api.tokens[u]) for u in ("grid_lead", "coordinator", "auditor")} <= set(keys)
    tokens = set(api.tokens.values())
    assert not tokens & set(keys)
    held = repr(vars(cache)) + repr(list(cache._users.values()))
    assert not any(t in held for t in tokens)
    guessed = {"Authorization": "Bearer cs_" + uuid.uuid4().hex}
    assert api.client.get("/cases", headers=guessed).status_code == 401
    assert cache.keys() == keys  # a guess neither enters nor evicts


def test_the_cache_is_bounded_and_ignores_an_older_versions_answer() -> None:
    cache = TokenCache(max_entries=2)
    users = {h: User(h, h, Role.AUDITOR) for h in ("a" * 64, "b" * 64, "c" * 64)}
    for h, u in users.items():
        cache.put(h, u, version=5)
    assert cache.keys() == ["b" * 64, "c" * 64]
    cache.put("a" * 64, users["a" * 64], version=4)  # read before a change: not kept
    assert cache.get("a" * 64, 5) is None and cache.get("b" * 64, 5) is not None
    assert cache.get("b" * 64, 6) is None  # a newer users table: all dropped
    assert cache.keys() == []


@sqlite_only
def test_write_answer_and_problems_render_as_before(api: Api) -> None:
    r = api.post("grid_lead", "/cases", CASE)
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert r.content == JSONResponse(body).body == FastJSONResponse(body).body
    case = api.get("grid_lead", f"/cases/{body['case_id']}")
    assert case.status_code == 200
    assert json.loads(case.content) == case.json() and case.json()["title"] == CASE["title"]
    for bad in (
        api.client.get("/cases"),
        api.get("grid_lead", f"/cases/{uuid.uuid4()}"),
        api.post("grid_lead", "/cases", {"title": 1}),
    ):
        assert bad.status_code in (401, 404, 422)
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.content == JSONResponse(bad.json()).body  # same bytes as before orjson
    zh = {"detail_zh": "数据库暂时不可用", "n": 1.5, "list": [None, True]}
    assert FastJSONResponse(zh).body == JSONResponse(zh).body
