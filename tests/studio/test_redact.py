"""Secrets out of messages: tokens (as text and as an HTTP library quotes them) and URL user:password@."""

from __future__ import annotations

from annotator.studio.redact import redact, redact_url


def test_a_url_loses_its_user_and_password() -> None:
    assert redact_url("at http://me:s3cret@ls.example:8080/api") == "at http://***@ls.example:8080/api"
    assert redact_url("https://token@host/x and http://plain/y") == "https://***@host/x and http://plain/y"
    assert redact_url("mail me@example.org") == "mail me@example.org"  # not a URL


def test_a_token_is_replaced_in_every_form_it_is_quoted_in() -> None:
    token = "abc123\r"
    header = f"Illegal header value {('Token ' + token).encode()!r}"
    assert "abc123" not in redact(header, [token])
    assert redact("Token abc123", ["abc123"]) == "Token ***"
    assert redact(repr("x\nabc"), ["x\nabc"]) == "'***'"
    assert redact("nothing here", [""]) == "nothing here"
