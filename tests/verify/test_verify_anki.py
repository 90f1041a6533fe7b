"""verify's Anki checks: a fresh build is clean; a duplicate GUID, a `$x$` field, Anki syntax
in a field, a cut-short package and a text file that lost a note are reported with their file."""

from __future__ import annotations

import pytest
from faults import change_collection, copy_format

from qtconvert.verify import verify
from qtconvert.verify.anki import anki_syntax, raw_math

pytest.importorskip("genanki", reason="the anki format needs genanki (the anki extra)")

APKG, TXT = "anki/mathematics.apkg", "anki/mathematics.txt"
QUADRATIC = "quicktakes:qt-mathematics--how-do-you-derive-and-use-the-quadratic-formula"


@pytest.fixture
def anki_copy(sample_build, tmp_path):
    return copy_format(sample_build("anki"), "anki", tmp_path)


def problems(out) -> list[tuple[str, str, str]]:
    return [(p.file, p.check, p.message) for p in verify(out, jobs=1).problems]


def test_a_fresh_build_is_clean(sample_build):
    report = verify(sample_build("anki"))
    assert report.problems == [] and len(report.summary["anki"].files) == 12


def test_a_duplicate_guid(anki_copy):
    change_collection(anki_copy / APKG, (
        "UPDATE notes SET guid = ? WHERE id = (SELECT max(id) FROM notes)", (QUADRATIC,)))
    found = problems(anki_copy)
    assert (APKG, "guid", f"GUID {QUADRATIC} is used by 2 notes (Anki keeps one of them)") \
        in found
    # the text file beside it now holds a GUID the package lacks
    assert [(f, c) for f, c, _ in found] == [(APKG, "guid"), (TXT, "text-import")]


def test_dollar_math_in_a_field(anki_copy):
    change_collection(anki_copy / APKG, (
        "UPDATE notes SET flds = replace(flds, '<div class=\"qt-answer\">', "
        "'<div class=\"qt-answer\"><p>So $x$ holds.</p>') WHERE guid = ?",
        (QUADRATIC,)))
    found = problems(anki_copy)
    assert [(f, c) for f, c, _ in found] == [(APKG, "math")]
    assert found[0][2].startswith(f"note {QUADRATIC}, field Answer: $x$ is $ math")


def test_template_syntax_in_a_field(anki_copy):
    path = anki_copy / TXT
    path.write_text(path.read_text().replace("</p>", "{{c1::x}}</p>", 1))
    found = problems(anki_copy)
    assert [(f, c) for f, c, _ in found] == [(TXT, "anki-syntax"), (TXT, "anki-syntax")]
    assert "an unescaped '{{'" in found[0][2] and "an unescaped '}}'" in found[1][2]


def test_a_cut_short_package(anki_copy):
    path = anki_copy / APKG
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    found = problems(anki_copy)
    assert [(f, c) for f, c, _ in found] == [(APKG, "package")]
    assert "not a whole zip file" in found[0][2]


def test_a_text_file_that_lost_a_note(anki_copy):
    path = anki_copy / TXT
    lines = path.read_text().splitlines()
    lost = next(line for line in lines if QUADRATIC in line)
    path.write_text("\n".join(line for line in lines if line != lost) + "\n")
    assert problems(anki_copy) == [
        (TXT, "text-import", "8 notes, but the .apkg beside it has 9"),
        (TXT, "text-import", f"1 GUID(s) missing here, but in the .apkg: {QUADRATIC}")]


def test_a_text_file_without_its_headers(anki_copy):
    path = anki_copy / TXT
    path.write_text("\n".join(line for line in path.read_text().splitlines()
                              if not line.startswith("#guid")) + "\n")
    assert problems(anki_copy) == [(TXT, "text-import", "no #guid column header")]


def test_what_counts_as_raw_math():
    assert raw_math("<p>area $x^2$ and $$y$$</p>") == ["$x^2$", "$$y$$"]
    assert raw_math("<p>costs $5 and $10</p><p>a $x</p><p>y$ b</p>") == []
    assert raw_math(r"<p>\(a$b$\) \[c$d$\]</p><pre><code>$x$</code></pre>") == []
    assert anki_syntax("&#123;{x&#125;} [sound:a.mp3] [$]") == ["[sound:", "[$]"]
