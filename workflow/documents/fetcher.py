"""The only URL fetcher our PDF rendering uses: `data:` URIs yes, everything else no.

WeasyPrint fetches stylesheets, images, fonts and SVG references through a fetcher. A complaint
is untrusted text, and although the templates escape it, a template bug must still not turn a
render into a request to an attacker's server or a read of `/etc/passwd`. Since WeasyPrint 70
the fetcher must be a `weasyprint.urls.URLFetcher` subclass (a plain function is no longer
accepted), so this is one; our own images (thumbnails, a logo) travel as `data:` URIs and fonts
come from fontconfig, so nothing legitimate needs any other scheme.
"""

from __future__ import annotations

import re

from weasyprint.urls import URLFetcher, URLFetcherResponse

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9.+-]*):")


class FetchRefused(ValueError):
    """Raised inside WeasyPrint for a refused URL; WeasyPrint catches it and skips the resource."""


class DataOnlyFetcher(URLFetcher):
    """Serves `data:` URIs and refuses every other URL, recording both.

    `refused` lists the refused URLs (truncated) and `served` counts `data:` URIs, so a caller or
    a test can see exactly what a render tried to load. Use one instance per render.
    """

    def __init__(self) -> None:
        # No redirects and only the data scheme, should anything ever reach the parent's fetch.
        super().__init__(
            timeout=1, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False
        )
        self.refused: list[str] = []
        self.served = 0

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        match = _SCHEME.match(url or "")
        if match is None or match[1].lower() != "data":
            # Keep the log short: a hostile URL can be megabytes long.
            self.refused.append(url[:200])
            raise FetchRefused(f"refused to fetch {url[:80]!r}: only data: URIs are allowed")
        self.served += 1
        return super().fetch(url, headers)
