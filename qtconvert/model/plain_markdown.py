"""The plain Markdown article format that `--format markdown` writes and the reader reads back.

Front matter holds the fields of `Article` under their own names (`keywords` as a list,
`related` as a list of `{id, title, subject, url, href}`); the body is the answer, followed by
the related questions as a list of links. The reader strips that list again, so that reading
an exported folder gives back the same articles.

Raw HTML in an answer is text (the site escapes it), but a CommonMark viewer would run it as
markup; so the writer escapes every `<` that could open HTML as `\\<` outside code and math
(`escape_html`), and the reader undoes exactly that (`unescape_html`, inside `split_answer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator

__all__ = ["RELATED_HEADING", "related_block", "split_answer", "escape_html", "unescape_html",
           "code_and_math"]

RELATED_HEADING = "## Related questions"

_LINK_TEXT_SPECIAL = re.compile(r"([\\\[\]<>`*_&$])")


def _escape_link_text(text: str) -> str:
    return _LINK_TEXT_SPECIAL.sub(r"\\\1", text)


def related_block(links: Iterable[tuple[str, str]]) -> str:
    """`(title, href)` pairs -> the Markdown list appended after the answer ('' when none)."""
    items = [f"- [{_escape_link_text(title)}](<{href}>)" for title, href in links]
    if not items:
        return ""
    return "\n\n" + RELATED_HEADING + "\n\n" + "\n".join(items) + "\n"


_RELATED_ITEM = re.compile(r"- \[(?:[^\\\]\n]|\\.)*\]\(<([^<>\n]*)>\)")


def split_answer(body: str, hrefs: Collection[str]) -> str:
    """The answer part of an exported body: the body without its generated related list (the
    last "Related questions" section, when every item links one of the front matter's
    `hrefs`), with the writer's HTML escapes undone."""
    body = body.rstrip("\n")
    head = "\n\n" + RELATED_HEADING + "\n\n"
    at = body.rfind(head)
    if at >= 0:
        items = [_RELATED_ITEM.fullmatch(line) for line in body[at + len(head):].split("\n")]
        if all(m is not None and m.group(1) in hrefs for m in items):
            body = body[:at]
    return unescape_html(body.strip("\n"))


# -- code and math spans --------------------------------------------------------------------

# a backslash escape, a backtick or tilde run, a dollar or two
_SPECIAL = re.compile(r"\\[!-/:-@\[-`{-~]|`+|~{3,}|\$\$?")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_MATH_CLOSE = {"$": re.compile(r"\\[\s\S]|\$"), "$$": re.compile(r"\\[\s\S]|\$\$")}
_CLOSERS: dict[str, re.Pattern[str]] = {}


def _closer(kind: str, run: str) -> re.Pattern[str]:
    pattern = _CLOSERS.get(kind + run)
    if pattern is None:
        if kind == "fence":  # a line of at least as many fence characters, and nothing else
            pattern = re.compile(r"\n[ \t]*" + re.escape(run[0]) + "{" + str(len(run))
                                 + r",}[ \t]*(?=\n|\Z)")
        else:  # a code span closes on a backtick run of exactly the same length
            pattern = re.compile(r"(?<!`)" + run + r"(?!`)")
        _CLOSERS[kind + run] = pattern
    return pattern


def code_and_math(md: str) -> Iterator[tuple[int, int]]:
    """The `(start, end)` spans of code (fences, code spans) and math (`$..$`, `$$..$$`,
    pandoc's rules) in clean Markdown; everything between them is ordinary text."""
    i = 0
    while (m := _SPECIAL.search(md, i)) is not None:
        tok, j = m.group(), m.start()
        i = m.end()
        if tok[0] == "\\":
            continue
        if tok[0] in "`~" and len(tok) >= 3 and not md[md.rfind("\n", 0, j) + 1:j].strip():
            nl = md.find("\n", j)
            c = _closer("fence", tok).search(md, nl) if nl >= 0 else None
            i = len(md) if c is None else c.end()
            yield j, i
        elif tok[0] == "`":
            c = _closer("span", tok).search(md, i)
            if c is not None and not _BLANK_LINE.search(md, i, c.start()):
                i = c.end()
                yield j, i
        elif tok[0] == "$":
            end = _math_end(md, i, tok)
            if end is not None:
                i = end
                yield j, i


def math_markdown(tex: str, display: bool) -> str:
    """A formula as clean Markdown: `$tex$`, `$$tex$$`, or display math over several lines as
    `$$`, its lines (no blank one: a blank line would end it), `$$`."""
    if not display:
        return "$" + tex.strip() + "$"
    if "\n" not in tex:
        return "$$" + tex.strip() + "$$"
    lines = [ln.rstrip() for ln in tex.split("\n") if ln.strip()]
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    return "$$\n" + "\n".join(lines) + "\n" + indent + "$$"


def map_math(md: str, fn: Callable[[str, bool], str]) -> str:
    """Clean Markdown with `fn(tex, display)` applied to the TeX of every math span."""
    return outside_code(md, lambda text: text, math=lambda tex, display: math_markdown(
        fn(tex, display), display)) if "$" in md else md


def outside_code(md: str, rewrite: Callable[[str], str],
                 math: Callable[[str, bool], str] | None = None) -> str:
    """`md` with `rewrite` applied to each stretch of ordinary text; code and math are copied
    as they are (or math given to `math(tex, display)`, which returns its Markdown)."""
    out: list[str] = []
    pos = 0
    for start, end in code_and_math(md):
        out.append(rewrite(md[pos:start]))
        span = md[start:end]
        if math is not None and span[0] == "$":
            delim = "$$" if span.startswith("$$") else "$"
            out.append(math(span[len(delim):-len(delim)], delim == "$$"))
        else:
            out.append(span)
        pos = end
    out.append(rewrite(md[pos:]))
    return "".join(out)


def _math_end(md: str, start: int, opener: str) -> int | None:
    """Where math opened by `opener` (ending at `start`) closes, or None when it is a literal."""
    if start >= len(md) or (opener == "$" and md[start].isspace()):
        return None
    pattern = _MATH_CLOSE[opener]
    i = start
    while (c := pattern.search(md, i)) is not None and c.group()[0] == "\\":
        i = c.end()
    if c is None or _BLANK_LINE.search(md, start, c.start()):
        return None
    if opener == "$" and (md[c.start() - 1].isspace() or md[c.end():c.end() + 1].isdigit()):
        return None
    return c.end()


# -- HTML escapes ---------------------------------------------------------------------------

# `<` that could open raw HTML (a tag, a closing tag, a comment, `<!..>`, `<?..?>`), with the
# backslashes before it: an odd number means the `<` is already escaped.
_TAG_START = re.compile(r"(\\*)<(?=[A-Za-z/!?])")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
                       r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>")
# What a viewer would take for a tag even where a link destination could start
_HTML_LIKE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|<[!?]")
_DESTINATION = re.compile(r"(?:\]\(|\]:)[ \t]*\n?[ \t]*\Z")  # `](<url>)`, `[x]: <url>`


def escape_html(md: str) -> str:
    """Answer Markdown with every `<` that a CommonMark viewer could read as raw HTML written
    `\\<`; code, math, autolinks and `<..>` link destinations are left alone."""
    return _rewrite(md, escape=True) if "<" in md else md


def unescape_html(md: str) -> str:
    """The inverse of `escape_html`: one backslash less before each escaped `<`."""
    return _rewrite(md, escape=False) if "\\<" in md else md


def _rewrite(md: str, *, escape: bool) -> str:
    out: list[str] = []
    pos = 0
    for start, end in [*code_and_math(md), (len(md), len(md))]:
        text = md[pos:start]
        out.append(_TAG_START.sub(lambda m: _one(m, text, escape), text) if "<" in text else text)
        out.append(md[start:end])
        pos = end
    return "".join(out)


def _one(m: re.Match[str], text: str, escape: bool) -> str:
    slashes = m.group(1)
    escaped = len(slashes) % 2 == 1
    lt = m.end() - 1
    if (escaped == escape or _AUTOLINK.match(text, lt)
            or (_DESTINATION.search(text, max(0, m.start() - 8), m.start())
                and not _HTML_LIKE.match(text, lt))):
        return m.group()
    return slashes + "\\<" if escape else slashes[1:] + "<"
