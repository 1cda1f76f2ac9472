"""One TLS policy for IMAP and SMTP: the system's CAs (or a given CA file), verification on."""

from __future__ import annotations

import ssl


def tls_context(verify: bool, ca_file: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx
