"""Playing the attacker at the webhook boundary: a forged or replayed request fails the
receiver's check; a receiver's redirect is not followed; a configuration with a non-http
URL or a secret written in the file is refused at load (no database involved)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from application.notifications import Endpoint
from domain.errors import InvalidValue
from infrastructure.jurisdiction_file import load_jurisdiction
from infrastructure.notify_config import load_notify_config
from infrastructure.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Outgoing,
    WebhookSender,
    signature,
    verify_signature,
)
from tests.support.webhooks import SECRET, SECRET_ENV, Receiver, notify_jurisdiction, running

BODY = b'{"kind":"whistle_blown"}'


def signed(secret: str, at: float, body: bytes = BODY) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(int(at)),
        SIGNATURE_HEADER: signature(secret.encode(), int(at), body),
    }


def test_the_verifier_refuses_forged_tampered_and_replayed_requests() -> None:
    now = time.time()
    key = SECRET.encode()
    assert verify_signature(key, signed(SECRET, now), BODY)
    assert not verify_signature(key, signed("a guessed secret", now), BODY)
    assert not verify_signature(key, signed(SECRET, now), BODY.replace(b"whistle", b"xhistle"))
    assert not verify_signature(key, signed(SECRET, now - 3600), BODY)  # an old capture
    assert not verify_signature(key, {TIMESTAMP_HEADER: "soon"}, BODY)
    assert not verify_signature(key, {}, BODY)


def test_a_redirect_is_not_followed_and_a_forged_sender_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    endpoint = Endpoint("r", "r", url=None, url_env="HOOK_URL", secret_env=SECRET_ENV)
    item = Outgoing("d-1", "whistle_blown", BODY, "【吹哨召集】")
    with running(Receiver()) as target, running(Receiver()) as redirecting:
        redirecting.redirect_to = target.url
        sender = WebhookSender(timeout=5, environ={"HOOK_URL": redirecting.url, SECRET_ENV: SECRET})
        result = sender.send(endpoint, item)
        assert (result.ok, result.status) == (False, 302)
        assert target.arrivals == [] and target.rejected == 0  # never reached
        # Someone without the secret posting to a receiver is turned away.
        forger = WebhookSender(timeout=5, environ={"HOOK_URL": target.url, SECRET_ENV: "guess"})
        assert forger.send(endpoint, item).status == 401
        assert target.rejected == 1 and target.processed == {}
        sender.close()
        forger.close()


def test_the_sender_refuses_a_url_that_is_not_http_and_a_missing_secret() -> None:
    endpoint = Endpoint("r", "r", url=None, url_env="HOOK_URL", secret_env=SECRET_ENV)
    item = Outgoing("d-1", "whistle_blown", BODY, "")
    sender = WebhookSender(environ={"HOOK_URL": "file:///etc/passwd", SECRET_ENV: SECRET})
    assert not sender.send(endpoint, item).ok
    unsigned = WebhookSender(environ={"HOOK_URL": "http://127.0.0.1:9/"})
    assert "密钥" in unsigned.send(endpoint, item).error  # never sent unsigned


@pytest.mark.parametrize(
    "url, extra",
    [
        ("file:///etc/passwd", ""),
        ("gopher://127.0.0.1:70/", ""),
        ("http:///nohost", ""),
        ("https://example.org/hook", 'secret = "written-in-the-file"'),
    ],
)
def test_a_bad_endpoint_is_refused_when_the_file_is_loaded(
    tmp_path: Path, url: str, extra: str
) -> None:
    path = notify_jurisdiction(tmp_path, url, extra=extra)
    with pytest.raises(InvalidValue):
        load_notify_config(path, load_jurisdiction(path))
