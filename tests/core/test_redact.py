"""Credentials out of URLs, error text and log records (issue 12, finding 1)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.redact import host_port, install_log_redaction, redact_text, redact_url, redact_value


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://alice:ollpass@127.0.0.1:11434", "http://***@127.0.0.1:11434"),
        ("http://bob:urlpass@vllm:8000/v1", "http://***@vllm:8000/v1"),
        ("https://qdrant.example:6333/?api_key=qsecret&x=1#frag", "https://qdrant.example:6333/?api_key=***&x=***"),
        ("http://token@host/path", "http://***@host/path"),
        ("http://u:p@ss@host:1/x", "http://***@host:1/x"),  # an @ inside the password
        ("https://[::1]:6333", "https://[::1]:6333"),
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434"),
        (None, None),
        ("", ""),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("http://alice:ollpass@127.0.0.1:11434", "127.0.0.1:11434"),
        ("https://bob:pw@vllm.internal/v1", "vllm.internal"),
        ("http://[::1]:8000/v1", "[::1]:8000"),
        ("http://a:b@host:99999/x", "http://***@host:99999/x"),  # a bad port: still no credentials
    ],
)
def test_host_port_never_shows_userinfo(url, where):
    assert host_port(url) == where


def test_redact_text_masks_urls_keys_and_tokens_but_keeps_the_message():
    text = (
        "連不上 Qdrant 伺服器 http://qadmin:qpass@127.0.0.1:9/?api_key=qsecret：[Errno 111]。"
        " Authorization: Bearer abc.def key sk-abcdefghijklmnop password=hunter2 alice:ollpass@10.0.0.1:11434"
    )
    shown = redact_text(text)
    for secret in ("qadmin", "qpass", "qsecret", "abc.def", "sk-abcdefghijklmnop", "hunter2", "alice", "ollpass"):
        assert secret not in shown
    assert shown.startswith("連不上 Qdrant 伺服器 http://***@127.0.0.1:9/?api_key=***：[Errno 111]。")
    assert "10.0.0.1:11434" in shown and "Bearer ***" in shown


def test_ordinary_text_is_untouched():
    for text in ("台南兩天一夜，想吃小吃 :)", "寫信到 hi@example.com", "11:30–12:40 安平古堡", "ratio 3:2@scale"):
        assert redact_text(text) == text


def test_redact_value_walks_records():
    record = {"error": "http://a:secretpw@h/x", "calls": [{"arguments": {"q": "Bearer tok123"}}], "n": 3}
    assert redact_value(record) == {"error": "http://***@h/x", "calls": [{"arguments": {"q": "Bearer ***"}}], "n": 3}


_userinfo = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=4, max_size=12)


@settings(max_examples=200, deadline=None)
@given(user=_userinfo, password=_userinfo, port=st.integers(1, 65535), path=st.sampled_from(["", "/v1", "/api/x"]))
def test_no_generated_credential_survives(user, password, port, path):
    url = f"http://{user}:{password}@svc.internal:{port}{path}"
    for shown in (redact_url(url), host_port(url), redact_text(f"錯誤：{url} 無回應"), redact_text(f"({url})")):
        assert f"{user}:{password}" not in shown and password not in shown.replace("svc.internal", "")
        assert "svc.internal" in shown


def test_log_records_are_redacted_when_created(caplog):
    install_log_redaction()
    install_log_redaction()  # idempotent
    log = logging.getLogger("tests.redact")
    with caplog.at_level(logging.INFO):
        log.info("HTTP Request: GET %s %s", "http://alice:ollpass@127.0.0.1:11434/api/tags", 200)
        log.warning("retrying with api_key=%s", "zzz-secret")  # the secret's name is in the template
        try:
            raise ConnectionError("cannot reach http://bob:urlpass@vllm:8000/v1")
        except ConnectionError:
            log.exception("probe failed for %r", "http://bob:urlpass@vllm:8000/v1")
    assert "ollpass" not in caplog.text and "urlpass" not in caplog.text and "alice" not in caplog.text
    assert "zzz-secret" not in caplog.text and "retrying with api_key=***" in caplog.text
    assert "127.0.0.1:11434/api/tags 200" in caplog.text and "ConnectionError" in caplog.text
    assert caplog.records[0].args[1] == 200  # numbers stay numbers (formatters such as uvicorn's unpack args)
