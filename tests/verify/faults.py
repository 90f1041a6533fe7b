"""Copies of a good build with one fault planted, for the verify tests."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path


def copy_format(src_out: Path, fmt: str, dst_out: Path) -> Path:
    """OUT/<fmt> of `src_out` copied to `dst_out`; returns `dst_out`."""
    shutil.copytree(src_out / fmt, dst_out / fmt)
    return dst_out


def rewrite_member(epub: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    """Replace one member of the EPUB at `epub` by `change(member)`, keeping the zip layout."""
    tmp = epub.with_suffix(".tmp")
    with zipfile.ZipFile(epub) as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == name:
                new = change(data)
                assert new != data, f"the fault was not planted in {name}"
                data = new
            dst.writestr(info, data)
    tmp.replace(epub)


def change_collection(apkg: Path, *statements: tuple[str, tuple]) -> None:
    """Run SQL `statements` ((sql, parameters) each) on the collection inside an Anki package,
    writing the package back with the changed collection."""
    import sqlite3

    def change(data: bytes) -> bytes:
        db = sqlite3.connect(":memory:")
        try:
            db.deserialize(data)
            for sql, parameters in statements:
                assert db.execute(sql, parameters).rowcount > 0, sql
            db.commit()
            return db.serialize()
        finally:
            db.close()

    rewrite_member(apkg, "collection.anki2", change)


def change_pdf(path: Path, change: Callable) -> None:
    """Open the PDF at `path` with pikepdf, run `change(pdf)` and save it in place."""
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        change(pdf)
        pdf.save(path)
