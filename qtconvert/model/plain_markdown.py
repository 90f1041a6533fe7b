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

from .link_safety import is_safe_href

__all__ = ["RELATED_HEADING", "related_block", "split_answer", "escape_html", "unescape_html",
           "code_and_math", "safe_links", "heading_shift", "shift_headings"]

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


def split_answer(body: str, hrefs: Collection[str], heading_shift: int = 0) -> str:
    """The answer part of an exported body: the body without its generated related list (the
    last "Related questions" section, when every item links one of the front matter's
    `hrefs`), with the writer's HTML escapes and heading shift (front matter) undone."""
    body = body.rstrip("\n")
    head = "\n\n" + RELATED_HEADING + "\n\n"
    at = body.rfind(head)
    if at >= 0:
        items = [_RELATED_ITEM.fullmatch(line) for line in body[at + len(head):].split("\n")]
        if all(m is not None and m.group(1) in hrefs for m in items):
            body = body[:at]
    return shift_headings(unescape_html(body.strip("\n")), -heading_shift)


# -- code and math spans --------------------------------------------------------------------

# A backslash escape, a backtick run, a run of three tildes or more, a dollar or two. Written
# as one character set and then, told apart by a look-behind, what may follow each: the regex
# engine skips ordinary text with the set, six times as fast over the corpus as the plain
# alternation (`\\[!-/:-@\[-`{-~]|`+|~{3,}|\$\$?`), which it tried at every position.
_SPECIAL = re.compile(r"[\\`~$](?:(?<=\\)[!-/:-@\[-`{-~]|(?<=`)`*|(?<=~)~~+|(?<=\$)\$?)")
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
    `\\<`; code, math, autolinks and `<..>` link destinations are left alone. `{{<` and `{{%`,
    which open a Hugo shortcode anywhere, are written `{\\{<` in text and `{ {<` in math."""
    return _rewrite(md, escape=True) if "<" in md or "{{" in md else md


def unescape_html(md: str) -> str:
    """The inverse of `escape_html`: one backslash less before each escaped `<`, and `{{`."""
    return _rewrite(md, escape=False) if "\\<" in md or "{\\{" in md or "{ {" in md else md


_SHORTCODE = (re.compile(r"\{\{(?=[<%])"), re.compile(r"\{\\\{(?=[<%])"))
_SHORTCODE_IN_MATH = (re.compile(r"\{\{(?=[<%])"), re.compile(r"\{ \{(?=[<%])"))


def _rewrite(md: str, *, escape: bool) -> str:
    out: list[str] = []
    pos = 0
    n = 0 if escape else 1
    for start, end in [*code_and_math(md), (len(md), len(md))]:
        text = md[pos:start]
        if "<" in text:
            text = _TAG_START.sub(lambda m: _one(m, text, escape), text)
        out.append(_SHORTCODE[n].sub("{\\\\{" if escape else "{{", text))
        span = md[start:end]
        if span.startswith("$"):
            span = _SHORTCODE_IN_MATH[n].sub("{ {" if escape else "{{", span)
        out.append(span)
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


# -- links ----------------------------------------------------------------------------------

_BRACKET_OR_LINK = re.compile(r"\\[\s\S]|[\[\]]|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>")
_PUNCT_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"[ \t]*(?:\n[ \t]*)?")
_LONGEST = 4096  # a longer destination or title is not read to its end (linear time)
# A destination without `<>`: no space or control, parentheses balanced (two levels deep here;
# a deeper one ends early, which keeps its scheme, the part that decides)
_DEST_CHAR = r"(?:\\[!-~]|[^\x00-\x20\x7f()\\]|\\(?![!-~]))"
_DEST_RUN = re.compile(r"(?:{c}|\((?:{c}|\((?:{c})*\))*\))*".replace("{c}", _DEST_CHAR))
_TITLE = {'"': re.compile(r'"(?:[^"\\]|\\[\s\S]){0,4096}"'),
          "'": re.compile(r"'(?:[^'\\]|\\[\s\S]){0,4096}'"),
          "(": re.compile(r"\((?:[^()\\]|\\[\s\S]){0,4096}\)")}
_DEFINITION = re.compile(r"^([ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t][ \t>]*)*)"
                         r"\[((?:[^\\\[\]]|\\[\s\S]){0,999})\]:", re.M)


def safe_links(md: str) -> str:
    """Answer Markdown whose links are all safe (`link_safety`), and that shows no image.

    Outside code (math too: a viewer without math reads links there), an unsafe link keeps its
    text and loses its target, an unsafe `<scheme:...>` autolink becomes text, an unsafe
    `[label]: target` definition is removed, and an image becomes a link to it labelled
    `[alt]` (as `filters/images-as-links.lua` does for the books), so viewing fetches nothing.
    """
    if "](" not in md and "]:" not in md and "<" not in md and "![" not in md:
        return md
    code = [(a, b) for a, b in code_and_math(md) if md[a] != "$"]
    masked = list(md)
    for a, b in code:  # same length, so positions agree; no bracket or `<` inside code
        masked[a:b] = "\x00" * (b - a)
    text = "".join(masked)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), never overlapping
    openers: list[int] = []
    for m in _BRACKET_OR_LINK.finditer(text):
        tok, at = m.group(), m.start()
        if tok == "[":
            openers.append(at)
        elif tok == "]":
            if openers:
                _link(md, text, openers.pop(), at, edits)
        elif tok[0] == "<" and not is_safe_href(tok[1:-1]):
            edits.append((at, at + 1, ""))
            edits.append((m.end() - 1, m.end(), ""))
    for m in _DEFINITION.finditer(text):
        dest = _destination(md, _SPACE.match(md, m.end()).end())
        if dest is not None and not is_safe_href(dest[0]):
            end = dest[1]
            title = _title(md, end)
            if title is not None and not md[title:md.find("\n", title) % (len(md) + 1)].strip():
                end = title
            edits.append((m.start(2) - 1, end, ""))
    if not edits:
        return md
    out: list[str] = []
    pos = 0
    for start, end, new in sorted(edits):
        if start < pos:  # inside a definition already removed
            continue
        out += [md[pos:start], new]
        pos = end
    return "".join(out) + md[pos:]


def _link(md: str, text: str, opener: int, closer: int,
          edits: list[tuple[int, int, str]]) -> None:
    """The edits for `[..]` from `opener` to `closer`: an inline link or image, or else (an
    image by reference) a `!` escaped so that it shows as `!`."""
    image = opener > 0 and text[opener - 1] == "!" and not _escaped(text, opener - 1)
    dest = (_destination(md, _SPACE.match(md, closer + 2).end())
            if text.startswith("](", closer) else None)
    if dest is None:
        if image:
            edits.append((opener - 1, opener - 1, "\\"))
        return
    if not is_safe_href(dest[0]):
        end = _title(md, dest[1])
        end = dest[1] if end is None else end
        end = _SPACE.match(md, end).end()
        if md.startswith(")", end):
            end += 1
        edits.append((opener - (1 if image else 0), opener + 1, "\\[" if image else ""))
        edits.append((closer, end, "\\]" if image else ""))
    elif image:
        edits.append((opener - 1, opener + 1, "[\\["))
        edits.append((closer, closer + 1, "\\]]"))


def _escaped(text: str, at: int) -> bool:
    """True when the character at `at` follows an odd number of backslashes."""
    n = 0
    while at - n - 1 >= 0 and text[at - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _destination(md: str, i: int) -> tuple[str, int] | None:
    """The link destination starting at `i` (CommonMark: `<...>` or a run without spaces and
    with balanced parentheses), unescaped, and where it ends; None when there is none."""
    if md.startswith("<", i):
        j = i + 1
        while j < min(len(md), i + _LONGEST) and md[j] not in "<>\n":
            j += 2 if md[j] == "\\" else 1
        if j >= i + _LONGEST:
            return "unsafe:", j
        if j >= len(md) or md[j] != ">":
            return None
        return _PUNCT_ESCAPE.sub(r"\1", md[i + 1:j]), j + 1
    j = _DEST_RUN.match(md, i, i + _LONGEST).end()
    if j == i and not md.startswith(")", i):
        return None
    if j >= i + _LONGEST:  # cut short to stay linear: judged unsafe, whatever follows
        return "unsafe:", j
    return _PUNCT_ESCAPE.sub(r"\1", md[i:j]), j


def _title(md: str, i: int) -> int | None:
    """Where a link title after a destination ending at `i` ends (None when there is none)."""
    j = _SPACE.match(md, i).end()
    pattern = _TITLE.get(md[j:j + 1])
    if j == i or pattern is None:
        return None
    m = pattern.match(md, j)
    return None if m is None or _BLANK_LINE.search(m.group()) else m.end()


# -- heading levels -------------------------------------------------------------------------

_ATX = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)", re.M)


def heading_shift(md: str, top: int = 2) -> int:
    """How far `shift_headings` moves the answer's headings so that the highest is `h<top>`
    (the page title is h1); 0 when it has none or a heading would leave h1..h6."""
    levels = [len(m.group(2)) for m in _headings(md)]
    if not levels:
        return 0
    shift = top - min(levels)
    return shift if 1 <= max(levels) + shift <= 6 else 0


def shift_headings(md: str, shift: int) -> str:
    """Every ATX heading outside code and math `shift` levels deeper (negative: higher)."""
    if not shift:
        return md
    edits = [(m.start(2), m.end(2), "#" * (len(m.group(2)) + shift)) for m in _headings(md)]
    out: list[str] = []
    pos = 0
    for start, end, new in edits:
        out += [md[pos:start], new]
        pos = end
    return "".join(out) + md[pos:]


def _headings(md: str) -> list[re.Match[str]]:
    candidates = list(_ATX.finditer(md)) if "#" in md else []
    if not candidates:  # no heading (a `#` in C# or in an address): no code or math to find
        return []
    spans = iter(code_and_math(md))
    span = next(spans, None)
    found = []
    for m in candidates:
        while span is not None and span[1] <= m.start():
            span = next(spans, None)
        if span is None or m.start() < span[0]:
            found.append(m)
    return found
