"""The plain Markdown article format that `--format markdown` writes and the reader reads back.

Front matter holds the fields of `Article` under their own names (`keywords` as a list,
`related` as a list of `{id, title, subject, url, href}`); the body is the answer, followed by
the related questions as a list of links. The reader strips that list again, so that reading
an exported folder gives back the same articles.
"""

from __future__ import annotations

from collections.abc import Iterable

RELATED_HEADING = "## Related questions"


def _escape_link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def related_block(links: Iterable[tuple[str, str]]) -> str:
    """`(title, href)` pairs -> the Markdown list appended after the answer ('' when none)."""
    items = [f"- [{_escape_link_text(title)}](<{href}>)" for title, href in links]
    if not items:
        return ""
    return "\n\n" + RELATED_HEADING + "\n\n" + "\n".join(items) + "\n"


def split_answer(body: str, links: Iterable[tuple[str, str]]) -> str:
    """The answer part of an exported body: the body without its generated related list."""
    block = related_block(links)
    body = body.rstrip("\n") + "\n"
    if block and body.endswith(block):
        body = body[: -len(block)]
    return body.strip("\n")
