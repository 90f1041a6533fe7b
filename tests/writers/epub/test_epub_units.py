"""The EPUB's books as units of the build engine: what their keys hold, and a rebuild after an
edit that makes only the edited book again, with the bytes of a full build."""

from __future__ import annotations

import shutil
import zipfile

from conftest import CONTENT

from qtconvert.build import build, prepare
from qtconvert.model.printed_pages import PRINTED_PAGES, PageStart, PrintedPages
from qtconvert.output import OutputFolder
from qtconvert.writers import BuildOptions
from qtconvert.writers.epub import EpubWriter

RECIPE = CONTENT / "recipes" / "quantitative-methods.toml"


def _keys(collection, out, handed=None, **options) -> dict[str, str]:
    writer = EpubWriter(collection, collection, OutputFolder(out),
                        BuildOptions(formats=("epub",), **options), handed=handed)
    return {unit.name: unit.key for unit in writer.units()}


def test_a_units_key_holds_what_its_book_depends_on_and_no_path(tmp_path):
    content = prepare(CONTENT)
    keys = _keys(content, tmp_path / "a")
    assert len(set(keys.values())) == len(keys) == len(content.subjects)
    shutil.copytree(CONTENT, tmp_path / "elsewhere")  # another folder: the same keys
    assert _keys(prepare(tmp_path / "elsewhere"), tmp_path / "b") == keys
    css = tmp_path / "my.css"
    css.write_text("body { margin: 0 }\n")
    assert set(_keys(content, tmp_path / "a", stylesheet=css).values()).isdisjoint(keys.values())
    svg = _keys(content, tmp_path / "a", format_options={"epub": {"math": "svg"}})
    assert set(svg.values()).isdisjoint(keys.values())
    printed = PrintedPages("chemistry", "urn:x", (PageStart("5", "qt-x", 0),))
    paged = _keys(content, tmp_path / "a", handed={PRINTED_PAGES: {"chemistry": printed}})
    assert paged["chemistry"] != keys["chemistry"]
    assert {k: v for k, v in paged.items() if k != "chemistry"} == {
        k: v for k, v in keys.items() if k != "chemistry"}
    (recipe,) = _keys(content, tmp_path / "a", book=RECIPE).values()
    retitled = tmp_path / "recipe.toml"
    retitled.write_text(RECIPE.read_text().replace('title = "Quantitative Methods"',
                                                   'title = "Numbers"'))
    assert _keys(content, tmp_path / "a", book=retitled) != {"quantitative-methods": recipe}


def test_an_edit_makes_only_its_book_again_with_the_bytes_of_a_full_build(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(CONTENT, source)
    options = BuildOptions(formats=("epub",))
    build(source, tmp_path / "out", options)
    # its "Tips" heading once came out as `tips-1` beside another answer's in pandoc's batch
    edited = source / "chemistry" / "how-is-the-ph-of-a-solution-calculated.md"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("answer: >-\n    ", "answer: >-\n    Edited. ", 1),
                      encoding="utf-8")
    again = build(source, tmp_path / "out", options)
    assert again.stats.per_format["epub"] == (len(again.collection.subjects) - 1, 1)
    assert [p.name for p in again.written] == ["chemistry.epub"]
    with zipfile.ZipFile(tmp_path / "out" / "epub" / "chemistry.epub") as book:
        assert any(b"Edited." in book.read(name) for name in book.namelist())
    full = build(source, tmp_path / "full", BuildOptions(formats=("epub",), cache=False))
    for path in full.written:
        assert (tmp_path / "out" / "epub" / path.name).read_bytes() == path.read_bytes(), path.name
