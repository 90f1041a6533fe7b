"""Repair TeX that KaTeX (the site's renderer) accepts but pandoc and ziamath do not.

- `\\ce{...}` (mhchem chemistry) becomes plain TeX: `\\ce{2H2 + O2 -> 2H2O}` ->
  `2\\mathrm{H}_{2} + \\mathrm{O}_{2} \\rightarrow 2\\mathrm{H}_{2}\\mathrm{O}`.
- Display math with `\\\\` line breaks outside an environment is wrapped in `aligned` (when it
  has `&`) or `gathered`.
- `\\tag{n}` (which pandoc drops silently) becomes `\\qquad (n)` at the end.
- `\\require{...}` and `\\label{...}` are removed.
- `"text"` inside math (which KaTeX typesets as quotes) becomes `\\text{“text”}`.
- A line of display math holding only `=` or `-` signs is joined to the line before: to a
  Markdown reader it would underline a heading (TeX reads a line break as a space).

`repair` is pure and idempotent on TeX it has already repaired.
"""

from __future__ import annotations

import re

__all__ = ["repair", "ce_to_tex"]

_ARROWS = {"->": r"\rightarrow", "<-": r"\leftarrow", "<=>": r"\rightleftharpoons",
           "<->": r"\leftrightarrow", "<=>>": r"\rightleftharpoons", "<<=>": r"\rightleftharpoons",
           "=": "="}
_STATE = re.compile(r"\((aq|s|l|g)\)")
_DROP = re.compile(r"\\(?:require|label)\s*\{[^{}]*\}")
_QUOTED = re.compile(r'"([^"\\{}]*)"')
_TAG = re.compile(r"\\tag\*?\s*\{([^{}]*)\}")
_UNDERLINE = re.compile(r"\n[ \t]*(=+|-+)[ \t]*(?=\n|$)")


def _braced(tex: str, start: int) -> int:
    """Index just past the `}` matching the `{` at `start` (or len(tex) if unbalanced)."""
    depth = 0
    for i in range(start, len(tex)):
        c = tex[i]
        if c == "\\":
            continue
        if c == "{" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1
        elif c == "}" and tex[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(tex)


def _species(token: str) -> str:
    """One mhchem species (`2H2O`, `OH-`, `Fe^{3+}`, `SO4^2-`, `O_2`, `(aq)`) as TeX."""
    out: list[str] = []
    m = re.match(r"\d+(?=[A-Z(\[])", token)
    i = 0
    if m:
        out.append(m.group())
        i = m.end()
    n = len(token)
    while i < n:
        c = token[i]
        state = _STATE.match(token, i)
        if state:
            out.append(r"\,\text{(" + state.group(1) + ")}")
            i = state.end()
        elif c.isupper():
            j = i + 1
            while j < n and token[j].islower():
                j += 1
            out.append(r"\mathrm{" + token[i:j] + "}")
            i = j
        elif c.isdigit():
            j = i
            while j < n and token[j].isdigit():
                j += 1
            if j < n and token[j] in "+-" and j + 1 == n:  # `Fe3+`: a charge
                out.append("^{" + token[i:j + 1] + "}")
                j += 1
            else:
                out.append("_{" + token[i:j] + "}")
            i = j
        elif c in "^_":
            if i + 1 < n and token[i + 1] == "{":
                j = _braced(token, i + 1)
                out.append(c + "{" + token[i + 2:j - 1] + "}")
            else:
                j = i + 1
                while j < n and (token[j].isdigit() or token[j] in "+-"):
                    j += 1
                out.append(c + "{" + token[i + 1:j] + "}")
            i = j
        elif c in "+-" and i == n - 1:
            out.append("^{" + c + "}")
            i += 1
        elif c in ".*":
            out.append(r"\cdot ")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def ce_to_tex(formula: str) -> str:
    """The body of `\\ce{...}` as plain TeX."""
    parts: list[str] = []
    for token in formula.split():
        if token in _ARROWS:
            parts.append(_ARROWS[token])
        elif token == "+":
            parts.append("+")
        elif token.startswith("\\"):
            parts.append(token)
        else:
            parts.append(_species(token))
    return " ".join(parts)


_CE = re.compile(r"\\ce\s*\{")


def _replace_ce(tex: str) -> str:
    out: list[str] = []
    i = 0
    for m in _CE.finditer(tex):
        if m.start() < i:
            continue  # inside a formula already replaced
        end = _braced(tex, m.end() - 1)
        out.append(tex[i:m.start()] + "{" + ce_to_tex(tex[m.end():end - 1]) + "}")
        i = end
    out.append(tex[i:])
    return "".join(out)


def _top_level_breaks(tex: str) -> bool:
    """True when `\\\\` occurs outside every `\\begin..\\end` environment."""
    depth = 0
    for m in re.finditer(r"\\(begin|end)\s*\{[^{}]*\}|\\\\", tex):
        if m.group(1) == "begin":
            depth += 1
        elif m.group(1) == "end":
            depth -= 1
        elif depth == 0:
            return True
    return False


def repair(tex: str, display: bool) -> str:
    """TeX that pandoc's MathML writer and ziamath can convert, meaning the same."""
    if display and "\n" in tex and "%" not in tex:  # `%` comments to the end of its line
        tex = _UNDERLINE.sub(r" \1", tex)
    if "\\" not in tex and '"' not in tex:
        return tex
    tex = _DROP.sub("", tex)
    if '"' in tex:
        tex = _QUOTED.sub(lambda m: "\\text{“" + m.group(1) + "”}", tex)
    if "\\ce" in tex:
        tex = _replace_ce(tex)
    tags = _TAG.findall(tex)
    if tags:
        tex = _TAG.sub("", tex)
    if display and _top_level_breaks(tex):
        env = "aligned" if "&" in tex else "gathered"
        tex = f"\\begin{{{env}}}{tex.strip()}\\end{{{env}}}"
    if tags:
        tex = tex.rstrip() + "".join(f" \\qquad ({t})" for t in tags)
    return tex
