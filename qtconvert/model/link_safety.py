"""The one rule for which link targets qtconvert keeps, in every output format.

A target is safe when following it can neither run code nor open a local file: an `http`,
`https` or `mailto` address, or one without a scheme (a relative path, `//host/...`, `?query`
or `#fragment`). The scheme is read as a browser would after every trick a hostile answer can
play: character references (`java&#x09;script:`), percent-encoding, tabs, newlines and other
control characters anywhere, leading spaces, any letter case. A colon before the first `/`,
`?` or `#` always starts a scheme, so a malformed one (`java script:`) is unsafe too.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

__all__ = ["SAFE_SCHEMES", "is_safe_href"]

SAFE_SCHEMES = ("http", "https", "mailto")

# URL parsers drop ASCII tab and newlines anywhere, and C0 controls and spaces at the ends
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"[^/?#]*?:")


def is_safe_href(href: str) -> bool:
    """True when `href` is an http(s) or mailto address or has no scheme at all."""
    text = href
    for _ in range(3):  # nested encodings (`&amp;#106;`, `%256A`) decode too
        decoded = unquote(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    text = _IGNORED.sub("", text)
    m = _SCHEME.match(text)
    return m is None or text[:m.end() - 1].lower() in SAFE_SCHEMES
