"""Secrets out of messages: a token (and the forms an HTTP library quotes it in) and the ``user:password@`` of a
URL, replaced by ``***`` before a message is shown, logged or raised."""

from __future__ import annotations

import re
from collections.abc import Sequence

_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")


def redact_url(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _URL_USERINFO.sub("***@", text)


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` fit to show: every secret (and its bytes' repr) replaced by ``***``, URLs without user:password@."""
    for secret in secrets:
        if secret:
            for form in (secret, repr(secret.encode())[2:-1], repr(secret)[1:-1]):
                text = text.replace(form, "***")
    return redact_url(text)
