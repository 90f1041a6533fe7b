"""Turn a stored answer into clean Markdown: real newlines, one math syntax, code untouched.

The site stores every newline of an answer as the two characters `\\n` and turns each of them
back into a newline, which also breaks TeX control words such as `\\neq` inside math. Here a
`\\n` that begins a known TeX control word inside math stays a TeX command; inside a code fence
a `\\n` within a string literal (`printf("x\\n")`) stays an escape; everywhere else it is a
newline. Math in `$..$`, `\\(..\\)`, `$$..$$` and `\\[..\\]` comes out as `$..$` and `$$..$$`;
a `$` that does not open math (`$5`, `$7.25 each = $26.83`) and anything in code is left alone.
"""

from __future__ import annotations

import bisect
import re

from ..model.plain_markdown import math_markdown

__all__ = ["answer_from_site", "normalise_markdown", "N_COMMANDS", "MAX_NESTING",
           "nesting_depth", "nesting_problem"]

# TeX and KaTeX control words that begin with "n": `\n` + one of these (maximal letter run)
# inside math is the command, not a newline.
N_COMMANDS = frozenset("""
nabla natural ne nearrow neg negmedspace negthickspace negthinspace neq newline nexists
ngeq ngeqq ngeqslant ngtr ni niplus nleftarrow nLeftarrow nleftrightarrow nLeftrightarrow
nleq nleqq nleqslant nless nmid nobreak nobreakspace noexpand nolimits nonumber normalfont
normalsize not notag notin nparallel nprec npreceq nrightarrow nRightarrow nshortmid
nshortparallel nsim nsubseteq nsubseteqq nsucc nsucceq nsupseteq nsupseteqq ntriangleleft
ntrianglelefteq ntriangleright ntrianglerighteq nu nvdash nvDash nVdash nVDash nwarrow
""".split())

# What matters in text: escapes, math openers, code spans and fences (a run of three or more
# backticks or tildes, a fence when it starts a line). Newlines in between are replaced in bulk.
# (The lookahead lets the regex engine skip ahead to candidate characters quickly.)
_TEXT = re.compile(r"(?=[\\$`~])(?:\\[\\$(\[]|\$\$?|`+|~{3,})")
_CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_MATH_ESCAPED = {
    op: re.compile(r"(?=[\\$])(?:" + (re.escape(cl) + r"|\\n([A-Za-z]*)|\\[\s\S]"
                   if cl.startswith("\\") else r"\\n([A-Za-z]*)|\\[\s\S]|" + re.escape(cl)) + ")")
    for op, cl in _CLOSERS.items()
}
_MATH_PLAIN = {
    op: re.compile(r"(?=[\\$])(?:" + (re.escape(cl) + r"|\\[\s\S]" if cl.startswith("\\")
                   else r"\\[\s\S]|" + re.escape(cl)) + ")")
    for op, cl in _CLOSERS.items()
}
_BACKTICKS = re.compile("`+")
# every blank line (one at each place it can start), with newlines stored as `\\n` or not
_BREAKS = {True: re.compile(r"(?=((?:\\n|\n)[ \t]*(?:\\n|\n)))"),
           False: re.compile(r"(?=(\n[ \t]*\n))")}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_QUOTE = re.compile(r'\\.|"""|"')


def answer_from_site(stored: str) -> str:
    """The answer as stored on the site (newlines as `\\n`) -> clean Markdown."""
    if ("$" not in stored and "`" not in stored and "~~~" not in stored and "\\(" not in stored
            and "\\[" not in stored and "\\\\" not in stored):
        return stored.replace("\\n", "\n")  # no math, code or escapes: only newlines
    return _Scanner(stored, escaped=True).run()


def normalise_markdown(text: str) -> str:
    """Markdown with real newlines -> the same with math delimiters normalised.

    Idempotent: clean Markdown comes back unchanged.
    """
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        return text
    return _Scanner(text, escaped=False).run()


class _Scanner:
    """One left-to-right pass; regular expressions jump between the interesting places."""

    def __init__(self, src: str, *, escaped: bool) -> None:
        self.src = src
        self.escaped = escaped
        self.nl = "\\n" if escaped else "\n"
        self.math_re = _MATH_ESCAPED if escaped else _MATH_PLAIN
        self.out: list[str] = []
        # opener -> where a search for its closer from there or later fails: an unclosed
        # math delimiter repeated costs one search, not one each
        self.unclosed: dict[str, int] = {}
        self.runs: dict[int, list[int]] | None = None  # backtick run length -> starts
        self.breaks: list[tuple[int, int]] | None = None  # blank lines: (start, end)

    def run(self) -> str:
        src, out = self.src, self.out
        i = 0
        while True:
            m = _TEXT.search(src, i)
            if m is None:
                self._text(src[i:])
                break
            tok, j = m.group(), m.start()
            if tok[0] in "`~" and len(tok) >= 3 and self._at_line_start(j):
                self._text(src[i:_line_start(src, j)])
                i = self._fence(j, tok)
                continue
            self._text(src[i:j])
            if tok[0] == "`":
                i = self._code_span(j, tok)
            elif tok in _CLOSERS:
                i = self._math(j, tok)
            else:  # `\\`, `\$` or tildes: written as they are
                out.append(tok)
                i = m.end()
        return "".join(out)

    def _text(self, chunk: str) -> None:
        self.out.append(chunk.replace("\\n", "\n") if self.escaped else chunk)

    def _at_line_start(self, j: int) -> bool:
        k = _line_start(self.src, j)
        return k == 0 or self.src.startswith(self.nl, k - len(self.nl))

    # -- code ------------------------------------------------------------------------------

    def _fence(self, j: int, marker: str) -> int:
        """Copy the fenced code block whose opening `marker` is at `j`; return where it ends."""
        i = _line_start(self.src, j)
        closing = re.compile(re.escape(self.nl) + r"[ \t]{0,12}" + re.escape(marker[0])
                             + "{" + str(len(marker)) + ",}[ \t]*(?=" + re.escape(self.nl) + "|$)")
        c = closing.search(self.src, j + len(marker))
        end = len(self.src) if c is None else c.end()
        self.out.append(self._code_lines(self.src[i:end]))
        return end

    def _code_lines(self, code: str) -> str:
        """Unescape newlines in code; a `\\n` inside a string literal is an escape, not a break."""
        if not self.escaped:
            return code
        pieces = code.split("\\n")
        lines: list[str] = []
        line = [pieces[0]]
        quotes = _quotes(pieces[0])  # counted piece by piece: a long line is not recounted
        for piece in pieces[1:]:
            if _inside_string(line[-1], piece, quotes):
                line += ["\\n", piece]
                quotes += _quotes(piece)
            else:
                lines.append("".join(line))
                line = [piece]
                quotes = _quotes(piece)
        lines.append("".join(line))
        return "\n".join(lines)

    def _code_span(self, j: int, ticks: str) -> int:
        """Inline code: copied as is (newlines unescaped); `$` and `\\(` inside are not math."""
        src = self.src
        if self.runs is None:  # where each length of backtick run occurs, found once
            self.runs = {}
            for run in _BACKTICKS.finditer(src):
                self.runs.setdefault(len(run.group()), []).append(run.start())
        starts = self.runs[len(ticks)]
        k = bisect.bisect_left(starts, j + len(ticks))  # the next run as long closes the span
        if k == len(starts) or self._has_paragraph_break(j, starts[k]):
            self.out.append(ticks)
            return j + len(ticks)
        end = starts[k] + len(ticks)
        body = src[j:end]
        if self.escaped:
            inner = body[len(ticks):-len(ticks)].strip().strip("\"'")
            # `\n` alone in a span is the escape itself ("use `\n` for a newline")
            body = body if inner == "\\n" else self._code_lines(body)
        self.out.append(body)
        return end

    # -- math ------------------------------------------------------------------------------

    def _math(self, j: int, opener: str) -> int:
        """Math from `opener` at `j` to its closer, normalised; a failed opener is literal."""
        src = self.src
        start = j + len(opener)
        closer = _CLOSERS[opener]
        pattern = self.math_re[opener]
        body: list[str] = []
        opening_break = 0  # where in `body` a `\\n` right after the opener was read as TeX
        i = start
        if start >= self.unclosed.get(opener, len(src) + 1):
            return self._literal(j, opener)
        while True:
            m = pattern.search(src, i)
            if m is None:
                # a later search starts on a boundary of this one (after `(`, `[` or `$`, which
                # end no longer token), so it would fail too
                self.unclosed[opener] = start
                return self._literal(j, opener)
            body.append(src[i:m.start()])
            tok = m.group()
            i = m.end()
            if tok == closer:
                break
            if self.escaped and tok.startswith("\\n"):
                letters = m.group(1) or ""
                if ("n" + letters) in N_COMMANDS and len(body) == 1 and not body[0].strip():
                    opening_break = len(body)  # `$$\nu`: a command, unless the block ends
                body.append(tok if ("n" + letters) in N_COMMANDS else "\n" + letters)
            else:
                body.append(tok)
        if opening_break and opener in ("$$", "\\[") and "".join(body).rstrip(" \t")[-1:] == "\n":
            # `$$\nu(t) = ..\n$$` closes on a line of its own, so it opened with a line break too
            body[opening_break] = "\n" + body[opening_break][2:]
        content = "".join(body)
        if not self._is_math(opener, content, src, i):
            return self._literal(j, opener)
        self.out.append(math_markdown(content, display=opener not in ("$", "\\(")))
        return i

    @staticmethod
    def _is_math(opener: str, content: str, src: str, after: int) -> bool:
        if not content.strip():
            return False
        if opener != "$":
            return True
        if _BLANK_LINE.search(content):
            return False
        if after < len(src) and src[after].isdigit():
            return False  # `$5 and $10`: a closer never precedes a digit
        # `$5 ... $x$`: an opener hugging its text cannot close on a spaced `$`
        return not (content[-1].isspace() and not content[0].isspace())

    def _literal(self, j: int, opener: str) -> int:
        self.out.append(opener)
        return j + len(opener)

    def _has_paragraph_break(self, a: int, b: int) -> bool:
        """True when a blank line lies between `a` and `b` (the blank lines are found once)."""
        if self.breaks is None:
            found = _BREAKS[self.escaped].finditer(self.src)
            self.breaks = [(m.start(), m.start() + len(m.group(1))) for m in found]
        # the blank lines are sorted by start and by end alike: the first after `a` decides
        k = bisect.bisect_left(self.breaks, (a, -1))
        return k < len(self.breaks) and self.breaks[k][1] <= b


def _line_start(src: str, j: int) -> int:
    """Where the indentation before position `j` begins."""
    k = j
    while k > 0 and src[k - 1] in " \t":
        k -= 1
    return k


def _quotes(text: str) -> int:
    """How many `"` in `text` open or close a string (not escaped, not part of `\"\"\"`)."""
    return sum(1 for m in _QUOTE.finditer(text) if m.group() == '"') if '"' in text else 0


def _inside_string(last: str, following: str, quotes: int) -> bool:
    """True when a `\\n` between a line (its last piece `last`, `quotes` quotes in all) and
    `following` sits in a string or char literal."""
    if last.endswith("'") and following.startswith("'"):
        return True  # '\n'
    if '"' not in following:
        return False  # a literal closes on its own line; a lone `"` (a comment's inch) is not one
    return quotes % 2 == 1


# -- nesting ---------------------------------------------------------------------------------

#: The deepest nesting of lists and block quotes an answer may have. Every renderer recurses
#: per level (pandoc, ElementTree, WeasyPrint's layout; the PDF fails near 100 levels), and the
#: site's own answers nest at most a few levels; see `nesting_depth`.
MAX_NESTING = 32

# leading white space, then a container marker: `>`, or a list marker followed by a space
_CONTAINER = re.compile(r"([ \t]*)(>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$))?")
_TOP_FENCE = re.compile(r" {0,3}(`{3,}(?=[^`]*$)|~{3,})")


def nesting_depth(markdown: str) -> int:
    """How deeply lists and block quotes nest in clean Markdown: never less than a Markdown
    reader would nest them, in one linear pass.

    A line counts its container markers (`>`, `-`, `1.`, several on one line as in `- - x`)
    and one level per two columns of indentation beyond the space after a marker (a list
    nested by indentation moves its content at least two columns right per level), but no
    more levels than the lines before it opened. Code in a fence that starts at the left
    margin is skipped (its indentation is code's, not nesting).
    """
    deepest = 0
    fence = ""
    for line in markdown.split("\n"):
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""  # closed at any indentation: never skip what a reader parses
            continue
        if (f := _TOP_FENCE.match(line)) is not None:
            fence = f.group(1)
            continue
        depth = columns = pos = 0
        while True:
            m = _CONTAINER.match(line, pos)
            assert m is not None  # both parts are optional
            white = m.group(1)
            columns += max(0, len(white) + 3 * white.count("\t") - (depth > 0))
            if m.group(2) is None:
                break
            depth += 1
            pos = m.end()
        deepest = max(deepest, depth + min(columns // 2, deepest))
    return deepest


# A line adds no more levels than twice the length of its leading run of white space and
# marker characters (a marker is at least one character and one level; a tab is four
# columns, two levels), so text whose runs are all at most MAX_NESTING / 2 long cannot nest
# too deeply, and only the rare answer with a longer run (deep code, a long number) is counted.
_RUN = r"[ \t>*+\-0-9.)]{%d}" % (MAX_NESTING // 2 + 1)
_LONG_RUN_FIRST, _LONG_RUN = re.compile(_RUN), re.compile(r"\n" + _RUN)


def nesting_problem(markdown: str) -> str | None:
    """A one-line reason when `markdown` nests too deeply to be converted safely, else None."""
    if _LONG_RUN_FIRST.match(markdown) is None and _LONG_RUN.search(markdown) is None:
        return None
    depth = nesting_depth(markdown)
    if depth <= MAX_NESTING:
        return None
    return (f"lists or block quotes nested {depth} levels deep; at most {MAX_NESTING} can be "
            "converted")
