"""Answer Markdown -> the HTML subset Google accepts in `Answer.text`.

Google allows h1-h6, br, ol, ul, li, a, p, div, b, strong, i and em. Paragraphs, headings,
lists, emphasis and links become those tags; code and math stay as their source text; raw HTML
is escaped; only http(s) and mailto links are kept. No pandoc: the JSON-LD export must be fast.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.entities import html5 as _ENTITIES
from urllib.parse import urljoin

from ...model import plain_markdown
from ...model.link_safety import is_safe_href
from ...read.answer_text import MAX_NESTING

__all__ = ["answer_html"]

_BLOCK_START = frozenset("#`~-*_+>=0123456789")  # what a line that is not plain text starts with
_FENCE = re.compile(r" *(`{3,}|~{3,})")
_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")  # the rest of the line: `_atx_text`
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])(?:([ \t]+)|$)")
_QUOTE = re.compile(r" {0,3}> ?")
_TABLE_RULE = re.compile(r"\|? *:?-+:? *(?:\| *:?-+:? *)*\|?")  # on a line stripped of spaces
_CELL = re.compile(r"(?<!\\)\|")
_SLOT = re.compile("\x00(\\d+)\x00")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*(?:<([^<>\n]*)>|([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
                   r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)")
_IMAGE = re.compile("!" + _LINK.pattern)
_AMP = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|([A-Za-z][A-Za-z0-9]{0,31};))?")
# Emphasis on escaped text, where the only `<` are the <strong> tags made just before; each
# pattern starts with its delimiter so that the regex engine can skip ahead quickly.
_STRONG = (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S),
           re.compile(r"__(?<!\w__)(?=\S)(.+?)(?<=\S)__(?!\w)", re.S))
# a place where `_STRONG` could close
_STRONG_CLOSE = (re.compile(r"(?<=\S)(?=\*\*)"), re.compile(r"(?<=\S)(?=__(?!\w))"))
_EM = (re.compile(r"\*(?=[^\s*])([^*<]*(?:<strong>[^*<]*</strong>[^*<]*)*)(?<=[^\s*])\*"),
       re.compile(r"_(?<!\w_)(?=[^\s_])([^_<]*(?:<strong>[^_<]*</strong>[^_<]*)*)(?<=[^\s_])_"
                  r"(?!\w)"))
_BREAK = re.compile(r"(?: {2,}|\\)\n")
_MAX_DEPTH = 2 * MAX_NESTING  # the reader refuses deeper answers; this bounds the recursion


def _atx_text(rest: str) -> str:
    """A heading's text: the rest of its line without the optional closing `#`s."""
    text = rest.strip(" \t")
    closed = text.rstrip("#")
    return closed.rstrip(" \t") if not closed or closed[-1] in " \t" else text


def _is_table_rule(line: str) -> bool:
    """True for a table's delimiter row (`| --- | :-: |`)."""
    return _TABLE_RULE.fullmatch(line.strip(" ")) is not None


def _strong(n: int, text: str) -> str:
    """`_STRONG[n]` applied: only up to the last place it could close, since an opener with no
    closer after it makes the regex search to the end (quadratic for many unclosed `**`)."""
    delimiter = "*_"[n] * 2
    q = text.rfind(delimiter)
    while q > 0 and not _STRONG_CLOSE[n].match(text, q):
        q = text.rfind(delimiter, 0, q + 1)  # `***`: the `**` one to the left
    if q <= 0:
        return text
    cut = q + 2
    return _STRONG[n].sub(r"<strong>\1</strong>", text[:cut]) + text[cut:]


def _is_text(stripped: str) -> bool:
    """True for a line that can only be paragraph text (decided fast: most lines are)."""
    return stripped[0] not in _BLOCK_START or (stripped.startswith("**")
                                               and not _RULE.fullmatch(stripped))


def answer_html(markdown: str, resolve: Callable[[str], str], page_url: str) -> str:
    """Answer Markdown -> Answer.text; `resolve` maps pending `qtref:` hrefs to addresses,
    relative links are made absolute against `page_url`."""
    return _AnswerHtml(resolve, page_url).blocks(markdown.replace("\x00", "").split("\n"))


class _AnswerHtml:
    """A small block and inline Markdown converter; enough for search engines, never unsafe."""

    def __init__(self, resolve: Callable[[str], str], page_url: str) -> None:
        self.resolve = resolve
        self.page_url = page_url
        self.depth = 0  # how many lists and quotes enclose the lines being converted

    def blocks(self, lines: list[str], tight: bool = False) -> str:
        """Block Markdown -> HTML; nested deeper than `_MAX_DEPTH`, the rest is one paragraph
        of text (each level is a recursion)."""
        if self.depth >= _MAX_DEPTH:
            text = self.inline("\n".join(line.strip() for line in lines).strip())
            return text if tight else f"<p>{text}</p>"
        self.depth += 1
        try:
            return self._blocks(lines, tight)
        finally:
            self.depth -= 1

    def _blocks(self, lines: list[str], tight: bool) -> str:
        out: list[str] = []
        para: list[str] = []

        def flush() -> None:
            if para:
                text = self.inline("\n".join(para).rstrip())
                out.append(text if tight else f"<p>{text}</p>")
                para.clear()

        i, n = 0, len(lines)
        while i < n:
            line = lines[i]
            stripped = line.strip()
            if not stripped:
                flush()
                i += 1
            elif _is_text(stripped) and "|" not in line:
                para.append(line.lstrip())  # the common case: a line of a paragraph
                i += 1
            elif m := _FENCE.match(line):
                flush()
                i = self._fence(lines, i, m.group(1), out)
            elif m := _ATX.match(line):
                flush()
                level = len(m.group(1))
                out.append(f"<h{level}>{self.inline(_atx_text(line[m.end():]))}</h{level}>")
                i += 1
            elif para and (m := _SETEXT.fullmatch(line)):
                level = 1 if m.group(1)[0] == "=" else 2
                out.append(f"<h{level}>{self.inline(chr(10).join(para))}</h{level}>")
                para.clear()
                i += 1
            elif _RULE.fullmatch(line):
                flush()
                i += 1
            elif _ITEM.match(line):
                flush()
                i = self._list(lines, i, out)
            elif _QUOTE.match(line):
                flush()
                quoted: list[str] = []
                while i < n and lines[i].strip():
                    quoted.append(_QUOTE.sub("", lines[i], count=1))
                    i += 1
                out.append(f"<div>{self.blocks(quoted)}</div>")
            elif ("|" in line and i + 1 < n and "|" in lines[i + 1]
                  and _is_table_rule(lines[i + 1])):
                flush()
                rows: list[str] = []
                while i < n and "|" in lines[i]:
                    if not _is_table_rule(lines[i]):
                        cells = _CELL.split(lines[i].strip().strip("|"))
                        rows.append(" | ".join(self.inline(c.strip().replace("\\|", "|"))
                                               for c in cells))  # GFM: `\|` is `|`, even in code
                    i += 1
                out.append("<p>" + "<br>".join(rows) + "</p>")
            else:
                para.append(line.lstrip())
                i += 1
        flush()
        return "".join(out)

    def _fence(self, lines: list[str], i: int, marker: str, out: list[str]) -> int:
        """A code block as text, one `<br>` per line; returns the line after its end."""
        code: list[str] = []
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            i += 1
            if stripped.startswith(marker) and not stripped.strip(marker[0]):
                break
            code.append(html.escape(lines[i - 1], quote=False))
        out.append("<p>" + "<br>".join(code) + "</p>")
        return i

    def _list(self, lines: list[str], i: int, out: list[str]) -> int:
        first = _ITEM.match(lines[i])
        assert first is not None
        indent, ordered = len(first.group(1)), first.group(2)[0].isdigit()
        items: list[list[str]] = []
        loose = False
        n = len(lines)

        def next_item() -> re.Match[str] | None:  # an item of this list at line i, or None
            m = _ITEM.match(lines[i]) if i < n else None
            return m if m and abs(len(m.group(1)) - indent) < 2 and \
                m.group(2)[0].isdigit() == ordered else None

        while m := next_item():
            spaces = m.group(3) or " "
            col = len(m.group(1)) + len(m.group(2)) + (len(spaces) if len(spaces) <= 4 else 1)
            body = [lines[i][col:]]
            fence = _FENCE.match(body[0])
            i += 1
            while i < n:
                line = lines[i]
                stripped = line.lstrip(" ")
                depth = len(line) - len(stripped)
                if fence is not None:
                    body.append(line[min(depth, col):])
                    if stripped.startswith(fence.group(1)) and \
                            not stripped.rstrip().strip(fence.group(1)[0]):
                        fence = None
                elif not stripped.strip():
                    body.append("")
                elif depth >= col:
                    body.append(line[col:])
                    if stripped[0] in "`~":
                        fence = _FENCE.match(body[-1])
                elif body[-1] == "" or _ITEM.match(line) or _FENCE.match(line) or \
                        _ATX.match(line) or _QUOTE.match(line):
                    break
                else:
                    body.append(line.strip())  # a lazy continuation line
                i += 1
            while body and body[-1] == "":
                body.pop()
                loose = loose or next_item() is not None
            loose = loose or "" in body
            items.append(body)
        tag = "ol" if ordered else "ul"
        out.append(f"<{tag}>" + "".join(f"<li>{self._item(b, not loose)}</li>" for b in items)
                   + f"</{tag}>")
        return i

    def _item(self, body: list[str], tight: bool) -> str:
        """A list item's content; one line of text (the usual item) skips the block parser."""
        first = body[0].strip() if len(body) == 1 else ""
        if tight and first and _is_text(first) and "|" not in first:
            return self.inline(first)
        return self.blocks(body, tight)

    def inline(self, text: str) -> str:
        """Inline Markdown -> HTML. Code, math, escapes and links are set aside in slots first,
        so that nothing inside them is read as emphasis or markup."""
        slots: list[str] = []

        def keep(fragment: str) -> str:
            slots.append(fragment)
            return f"\x00{len(slots) - 1}\x00"

        if "`" in text or "$" in text:
            parts: list[str] = []
            pos = 0
            for start, end in plain_markdown.code_and_math(text):
                span = text[start:end]
                if span[0] == "`":
                    ticks = len(span) - len(span.lstrip("`"))
                    span = span[ticks:-ticks]
                    if span.startswith(" ") and span.endswith(" ") and span.strip():
                        span = span[1:-1]
                parts += [text[pos:start], keep(html.escape(span, quote=False))]
                pos = end
            text = "".join(parts) + text[pos:]
        if "\\" in text:
            text = _ESCAPE.sub(lambda m: keep(html.escape(m.group(1))), text)
        if "<" in text:
            text = _AUTOLINK.sub(lambda m: keep(self._link(m.group(1), html.escape(m.group(1)))),
                                 text)
        if "![" in text:  # an image: its description only (no <img> in the subset)
            text = _IMAGE.sub(lambda m: keep(self._text(m.group(1))), text)
        if "](" in text:
            text = _LINK.sub(lambda m: keep(self._link(m.group(2) if m.group(2) is not None
                                                       else m.group(3), self._text(m.group(1)))),
                             text)
        text = self._text(text)
        while "\x00" in text:
            text = _SLOT.sub(lambda m: slots[int(m.group(1))], text)
        return text

    def _link(self, href: str, inner: str) -> str:
        href = self.resolve(href.strip())
        if "\x00" in href:
            return inner
        if not is_safe_href(href):
            return inner
        href = urljoin(self.page_url, href)
        return f'<a href="{html.escape(href)}">{inner}</a>'

    @staticmethod
    def _text(text: str) -> str:
        """Plain inline text: entities kept, everything else escaped, emphasis and breaks."""
        if "&" in text:  # a character reference stays one; any other `&` is escaped
            text = _AMP.sub(lambda m: m.group() if len(m.group()) > 1 and (
                m.group(1) is None or m.group(1) in _ENTITIES) else "&amp;" + m.group()[1:], text)
        text = text.replace("<", "&lt;").replace(">", "&gt;")
        for n, delimiter in enumerate("*_"):
            if delimiter in text:
                if delimiter * 2 in text:
                    text = _strong(n, text)
                text = _EM[n].sub(r"<em>\1</em>", text)
        if "\n" in text:
            if "  \n" in text or "\\\n" in text:
                text = _BREAK.sub("<br>", text)
            text = text.replace("\n", " ")
        return text
