"""The one module that talks to genanki: the note type, a deck, and the `.apkg` bytes.

Identity is what lets a learner re-import a rebuilt deck: a note's GUID comes from the
article's stable anchor (never from its fields, which genanki hashes by default), and the note
type's and deck's ids are fixed numbers derived from their names. Everything genanki would take
from the clock (note and card ids and times, the zip members' dates) comes from one build time,
so two builds at the same `SOURCE_DATE_EPOCH` give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .cards import FIELD_NAMES, NoteFields

__all__ = ["MODEL_NAME", "apkg_bytes", "guid_for", "stable_id"]

MODEL_NAME = "QuickTakes Q&A"
_FRONT = '<div class="qt-question">{{Question}}</div>'
_BACK = ('{{FrontSide}}\n<hr id="answer">\n{{Answer}}\n<div class="qt-more">'
         "{{#Related}}<h4>Related questions</h4>{{Related}}{{/Related}}"
         "<h4>Source</h4><p>{{Source}}</p></div>")


def stable_id(name: str) -> int:
    """A fixed Anki id for a note type or deck name, in the range genanki recommends."""
    digest = hashlib.sha256(("qtconvert:" + name).encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def guid_for(anchor: str) -> str:
    """A note's GUID: the article's stable anchor, so that an edited answer updates its note."""
    return "quicktakes:" + anchor


def _model():
    import genanki

    css = Path(__file__).with_name("card.css")  # shipped in this package (pyproject.toml)
    return genanki.Model(
        stable_id(MODEL_NAME), MODEL_NAME, fields=[{"name": name} for name in FIELD_NAMES],
        templates=[{"name": "Question and answer", "qfmt": _FRONT, "afmt": _BACK}],
        css=css.read_text(encoding="utf-8"), sort_field_index=0)


def apkg_bytes(deck_name: str, notes: Iterable[tuple[str, NoteFields, list[str]]],
               timestamp: float) -> bytes:
    """An Anki package holding one deck: `notes` are (anchor, fields, tags), in study order.

    `timestamp` (seconds) is the notes' modification time, which Anki's "update if newer"
    compares on import, and the date of the zip members."""
    import genanki

    model = _model()
    deck = genanki.Deck(stable_id(deck_name), deck_name)
    for position, (anchor, fields, tags) in enumerate(notes):
        deck.add_note(genanki.Note(model=model, fields=list(fields.as_tuple()), tags=tags,
                                   guid=guid_for(anchor), due=position))
    # genanki.Package.write_to_file would stamp the zip with the temporary file's date: write
    # the collection into memory and zip it here with fixed dates
    db = sqlite3.connect(":memory:")
    try:
        genanki.Package(deck).write_to_db(db.cursor(), timestamp,
                                          itertools.count(int(timestamp * 1000)))
        db.commit()
        collection = db.serialize()
    finally:
        db.close()
    date = time.gmtime(max(timestamp, 315532800))[:6]  # a zip cannot date before 1980
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in (("collection.anki2", collection), ("media", json.dumps({}).encode())):
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()
