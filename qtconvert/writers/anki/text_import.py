"""Anki's plain-text import format: one note a line, fields separated by tabs, headers first.

Other flashcard apps (Quizlet, Mochi, RemNote) read the same file as tab-separated text, so a
field never holds a tab or a line break (written as character references, which HTML shows
the same), and a line never starts with `#` (Anki reads that as a header or a comment) or `"`
(a quoted field). The notes use Anki's built-in "Basic" note type: the question on the front;
the answer, related questions and source on the back. The GUID column is the same as in the
`.apkg`, so importing either file again updates the notes in place.
"""

from __future__ import annotations

from collections.abc import Iterable

from .cards import NoteFields
from .package import guid_for

__all__ = ["text_file"]

_SAFE = str.maketrans({"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def _field(text: str) -> str:
    text = text.translate(_SAFE)
    if text[:1] in ('"', "#"):
        text = f"&#{ord(text[0])};" + text[1:]
    return text


def text_file(deck_name: str, notes: Iterable[tuple[str, NoteFields, list[str]]]) -> str:
    """The whole `.txt` file of one deck: `notes` are (anchor, fields, tags), in study order."""
    lines = ["#separator:tab", "#html:true", "#notetype:Basic", f"#deck:{_field(deck_name)}",
             "#columns:Front\tBack\tGUID\tTags", "#guid column:3", "#tags column:4"]
    for anchor, fields, tags in notes:
        back = fields.answer
        if fields.related:
            back += '<div class="qt-more"><h4>Related questions</h4>' + fields.related + "</div>"
        back += '<p class="qt-more">Source: ' + fields.source + "</p>"
        lines.append("\t".join([_field(fields.question), _field(back), guid_for(anchor),
                                _field(" ".join(tags))]))
    return "\n".join(lines) + "\n"
