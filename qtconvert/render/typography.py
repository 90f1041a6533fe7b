"""Typographic quotes for the books: `"x"` becomes “x”, `it's` becomes it’s.

The site stores straight quotes. A printed or e-book page sets curly ones, so the EPUB and PDF
writers pass their text through here; code, math and anything else set as it is stays
straight. Pandoc's `smart` extension is not used: it would also turn `--` in prose into a
dash, and question titles do not pass through pandoc.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["curly_quotes", "curl_tree"]

# after these (or at the start of a block) a quote opens
_OPENING_CONTEXT = set(" \t\n\u00a0([{\u2018\u201c\u2014\u2013/-")
# after a mark other than these, a quote before a word opens too: `src="http://..."`
_CLOSING_CONTEXT = set(".,;!?)]}%*_\u2019\u201d")
# what a quote after code or math follows: a letter (math that ends in a digit, `n_0`, is not a
# prime's digit, and `$x$"` closes)
_AFTER_VERBATIM = "a"
# text in these is shown as it is written
_VERBATIM = {"code", "pre", "kbd", "samp", "tt", "script", "style", "math", "svg", "img"}
_QUOTE = re.compile("['\"]")
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th", "section", "nav",
           "ul", "ol", "blockquote", "table", "tr", "dt", "dd", "figcaption", "caption", "body"}


def curly_quotes(text: str | None, before: str = " ") -> str | None:
    """`text` with its straight quotes made typographic; `before` is the character before it.

    A quote after a digit is a prime (5'10", 12") and stays straight. Each quote is decided by
    the character before it as set (a quote just made curly counts as curly) and the two after
    it; the text between quotes is copied in slices, not looked at a character at a time.
    """
    if not text or ("'" not in text and '"' not in text):
        return text
    out = []
    pos = 0
    last, became = -2, ""  # where the last quote was, and what it became
    for m in _QUOTE.finditer(text):
        i = m.start()
        ch = text[i]
        prev = (became if last == i - 1 else text[i - 1]) if i else before
        after = text[i + 1:i + 3] or "x"  # at the end of a text node, an element follows
        opens = not after[0].isspace() and (prev in _OPENING_CONTEXT or (
            not prev.isalnum() and prev not in _CLOSING_CONTEXT and after[0].isalnum()))
        if prev.isdigit():
            pass
        elif ch == "'" and after.isdigit():  # an elision: the ’90s
            ch = "\u2019"
        elif ch == "'":
            ch = "\u2018" if opens else "\u2019"
        else:
            ch = "\u201c" if opens else "\u201d"
        out.append(text[pos:i])
        out.append(ch)
        pos, last, became = i + 1, i, ch
    out.append(text[pos:])
    return "".join(out)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def curl_tree(element: ET.Element, before: str = " ") -> str:
    """Make the quotes in `element`'s text typographic, in place, in document order; returns
    the last character, so that a quote after the element knows what it follows. Code, math
    (TeX in `span.math` or MathML) and images are left as they are. Iterative: nesting depth
    is bounded only by memory."""
    prev = before
    stack: list[tuple[ET.Element, bool]] = [(element, False)]
    while stack:
        el, closing = stack.pop()
        tag = _local(el.tag)
        if not closing:
            if tag in _VERBATIM or "math" in (el.get("class") or "").split():
                if any(el.itertext()):
                    prev = _AFTER_VERBATIM
            else:
                if tag in _BLOCKS:
                    prev = " "
                el.text = curly_quotes(el.text, prev)
                if el.text:
                    prev = el.text[-1]
                stack.append((el, True))  # its tail, after its children
                stack.extend((child, False) for child in reversed(el))
                continue
        elif tag in _BLOCKS:
            prev = " "
        el.tail = curly_quotes(el.tail, prev)
        if el.tail:
            prev = el.tail[-1]
    return prev
