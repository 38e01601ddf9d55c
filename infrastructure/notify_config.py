"""Where notifications go: the ``[notify]`` section of the jurisdiction file.

    [notify]
    hotline_platform = "hotline-12345"     # endpoint of the 12345 platform (反馈)
    [notify.units]                          # unit id → endpoint (吹哨, 报到临期/超期)
    dongsheng-fire = "fire-robot"
    [notify.streets]                        # street id → endpoint (案件办理超期)
    jianshe = "jianshe-center"
    [[notify.endpoints]]
    id = "fire-robot"
    name = "消防大队值班群"
    url_env = "CHUISHAO_WEBHOOK_URL_FIRE"   # or url = "https://…" when it holds no key
    secret_env = "CHUISHAO_WEBHOOK_SECRET_FIRE"
    format = "dingtalk"                     # json (default, signed) | wecom | dingtalk

Secrets are named by environment variable, never written in the file; a ``secret`` key is
refused. Only http(s) URLs are accepted.
"""

from __future__ import annotations

import re
import tomllib
import urllib.parse
from pathlib import Path
from typing import Any

from application.notifications import FORMATS, Endpoint, NotifyConfig
from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction
from infrastructure.jurisdiction_file import demo_jurisdiction_path

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")


def load_notify_config(path: Path | None, jurisdiction: Jurisdiction) -> NotifyConfig:
    path = path or demo_jurisdiction_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("notify", {})
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InvalidValue(f"无法读取辖区文件 {path}：{e}", f"cannot read {path}: {e}") from e
    return notify_config(data, jurisdiction)


def _bad(zh: str, en: str) -> InvalidValue:
    return InvalidValue(f"辖区文件 [notify]：{zh}", f"jurisdiction file [notify]: {en}")


def notify_config(data: dict[str, Any], jurisdiction: Jurisdiction) -> NotifyConfig:
    endpoints: dict[str, Endpoint] = {}
    for raw in data.get("endpoints", []):
        endpoint = _endpoint(raw)
        if endpoint.id in endpoints:
            raise _bad(f"接收地址 {endpoint.id} 重复", f"endpoint {endpoint.id} twice")
        endpoints[endpoint.id] = endpoint
    units = _routes(data.get("units", {}), "units", endpoints, jurisdiction.units)
    streets = _routes(data.get("streets", {}), "streets", endpoints, jurisdiction.streets)
    platform = data.get("hotline_platform")
    if platform is not None and platform not in endpoints:
        raise _bad(f"12345 平台接收地址 {platform} 未定义", f"unknown endpoint {platform}")
    return NotifyConfig(endpoints, units, streets, platform)


def _endpoint(raw: dict[str, Any]) -> Endpoint:
    endpoint_id = str(raw.get("id", ""))
    if not endpoint_id:
        raise _bad("接收地址缺少 id", "an endpoint has no id")
    if "secret" in raw:
        raise _bad(
            f"{endpoint_id} 不得直接写入密钥，请用 secret_env 指明环境变量",
            f"{endpoint_id}: name the secret's environment variable (secret_env), never the secret",
        )
    url, url_env = raw.get("url"), raw.get("url_env")
    if (url is None) == (url_env is None):
        raise _bad(f"{endpoint_id} 须有 url 或 url_env 之一", f"{endpoint_id}: url or url_env")
    if url is not None:
        check_url(str(url), endpoint_id)
    for name in (url_env, raw.get("secret_env")):
        if name is not None and not _ENV_NAME.fullmatch(str(name)):
            raise _bad(f"{endpoint_id} 的环境变量名 {name} 无效", f"{endpoint_id}: bad env name")
    fmt = str(raw.get("format", "json"))
    if fmt not in FORMATS:
        raise _bad(f"{endpoint_id} 的格式须为 {'、'.join(FORMATS)}", f"{endpoint_id}: format")
    if fmt == "json" and not raw.get("secret_env"):
        raise _bad(
            f"{endpoint_id} 须配置签名密钥 secret_env", f"{endpoint_id}: json needs a secret"
        )
    return Endpoint(
        endpoint_id,
        str(raw.get("name", endpoint_id)),
        None if url is None else str(url),
        None if url_env is None else str(url_env),
        None if raw.get("secret_env") is None else str(raw["secret_env"]),
        fmt,
    )


def check_url(url: str, endpoint_id: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(
            f"{endpoint_id} 的地址须为 http(s)://…", f"{endpoint_id}: only http(s) URLs with a host"
        )


def _routes(
    raw: dict[str, Any], what: str, endpoints: dict[str, Endpoint], known: dict[str, Any]
) -> dict[str, str]:
    routes: dict[str, str] = {}
    for ref, endpoint_id in raw.items():
        if ref not in known:
            raise _bad(f"[notify.{what}] 中的 {ref} 不存在", f"[notify.{what}]: unknown {ref}")
        if endpoint_id not in endpoints:
            raise _bad(f"接收地址 {endpoint_id} 未定义", f"unknown endpoint {endpoint_id}")
        routes[str(ref)] = str(endpoint_id)
    return routes
