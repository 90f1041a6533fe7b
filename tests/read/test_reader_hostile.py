"""The reader against hostile and careless input: each case is one line naming the file and the
field, costs little, and leaves every other article loaded (issues 10 and 16)."""

from __future__ import annotations

import dataclasses
import gc
import re
import time

import pytest
from conftest import CORPUS, article_text, needs_corpus, write_article

import qtconvert
from qtconvert.model import Collection, Diagnostic
from qtconvert.read import articles as reader
from qtconvert.read import front_matter, parallel_read

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def load_beside_good(folder, text: str, name: str = "bad.md") -> tuple[Collection, str]:
    """Load `text` as `name` beside a good article; the good one must always load."""
    write_article(folder, "good.md", url="/learn/mathematics/questions/good")
    (folder / name).write_text(text, encoding="utf-8")
    c = qtconvert.load(folder)
    assert "good" in [a.slug for a in c]
    for d in c.diagnostics:
        assert "\n" not in str(d) and len(d.message) < 300, d
    return c, str(folder / name)


def raw_article(**lines: str) -> str:
    """A site-layout article whose given fields are written as raw YAML (not quoted)."""
    text = article_text()
    for key, value in lines.items():
        text, n = re.subn(rf"(?m)^{key}: .*$", lambda _: f"{key}: {value}", text)
        if n == 0:
            text = text.replace("---\n", f"---\n{key}: {value}\n", 1)
    return text


def alias_bomb(key: str, levels: int = 9) -> str:
    """An article whose `key` is an alias that expands to 9**levels items (the billion laughs):
    about 20 lines of front matter."""
    anchors = ["a0: &a0 [lol]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]"
                                   for i in range(1, levels + 1)]
    top = key.split(".")[0]
    fields = [line for line in article_text().split("---\n")[1].splitlines()
              if not line.startswith(top + ":")]
    value = f"*a{levels}"
    last = f"seo:\n  page_keywords: {value}" if key == "seo.page_keywords" else f"{key}: {value}"
    return "---\n" + "\n".join(anchors + fields + [last]) + "\n---\n\n&nbsp;"


# -- dates and ids ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2108-01-01", "9999-12-31", "1979-12-31", "'2200-01-01'"])
def test_dates_outside_what_every_format_carries_are_errors(tmp_path, value):
    c, bad = load_beside_good(tmp_path, raw_article(date=value))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, "date") and "1980-01-01 to 2099-12-31" in d.message


@pytest.mark.parametrize("value", ["2024-02-30", "0000-01-01", "2024-13-01"])
def test_impossible_dates_are_errors_naming_the_field(tmp_path, value):
    c, bad = load_beside_good(tmp_path, raw_article(date=value))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, "date") and value in d.message


def test_dates_at_the_bounds_load(tmp_path):
    write_article(tmp_path, "a.md", date="1980-01-01", url="/learn/m/questions/a")
    write_article(tmp_path, "b.md", date="2099-12-31", url="/learn/m/questions/b")
    assert len(qtconvert.load(tmp_path)) == 2


@pytest.mark.parametrize("value, words", [("9" * 5000, "cannot be read"),
                                          (str(2**53), "out of range"), ("-1", "out of range")])
def test_huge_or_negative_ids_are_errors(tmp_path, value, words):
    c, bad = load_beside_good(tmp_path, raw_article(id=value))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, "id") and words in d.message and "int'" not in d.message


def test_a_huge_related_id_is_dropped_not_a_crash(tmp_path):
    c, _ = load_beside_good(tmp_path, article_text(related_article1={
        "id": "9" * 5000, "title": "T", "subject": "S", "url": "/learn/m/questions/t"}))
    assert not c.errors
    assert [link.id for a in c for link in a.related] == [None]


# -- resource bombs -----------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["question", "subject", "title", "seo.page_keywords", "answer"])
def test_yaml_aliases_are_refused_before_they_expand(tmp_path, key):
    # nine levels of nine: 387 million items; before, 40 s and 3 GB, or more
    c, bad = load_beside_good(tmp_path, alias_bomb(key))
    (d,) = c.errors
    assert d.path == bad and "alias" in d.message


def test_yaml_nested_deeper_than_the_site_is_refused(tmp_path):
    c, bad = load_beside_good(tmp_path, raw_article(title="[" * 50 + "]" * 50))
    (d,) = c.errors
    assert d.path == bad and "nested" in d.message


def test_a_large_value_is_never_formatted_into_a_message(tmp_path):
    c, _ = load_beside_good(tmp_path, article_text(url="/learn/m/" + "a" * 100_000))
    (d,) = c.errors
    assert len(str(d)) < 300


def test_keywords_are_bounded_with_a_warning(tmp_path):
    many = ", ".join(f"keyword {i}" for i in range(15_000)) + ", " + "k" * 300  # 190 KB
    c, bad = load_beside_good(tmp_path, article_text(seo={"page_keywords": many}))
    (a,) = [a for a in c if a.slug == "what-is-x"]
    assert len(a.keywords) == reader.MAX_KEYWORDS and a.keywords[0] == "keyword 0"
    assert {(d.field, d.severity) for d in c.diagnostics if d.path == bad} == {
        ("seo.page_keywords", "warning")}


@pytest.mark.parametrize("fields, field", [
    ({"answer": "x" * (reader.MAX_ANSWER_CHARS + 1)}, "answer"),
    ({"question": "Why " * 300}, "question"),
    ({"subject": "S" * 300}, "subject"),
])
def test_oversized_fields_are_errors(tmp_path, fields, field):
    c, bad = load_beside_good(tmp_path, article_text(**fields))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, field) and "allowed" in d.message


def test_oversized_optional_fields_are_cut_with_a_warning(tmp_path):
    c, bad = load_beside_good(tmp_path, article_text(
        title="T" * 2000, author="A" * 300, seo={"page_description": "d" * 5000}))
    (a,) = [a for a in c if a.slug == "what-is-x"]
    assert a.title == a.question and a.author == "QuickTakes"
    assert len(a.description) == reader.MAX_DESCRIPTION_CHARS
    assert {d.field for d in c.warnings if d.path == bad} == {
        "title", "author", "seo.page_description"}


def test_a_file_far_larger_than_any_article_is_not_read(tmp_path):
    c, bad = load_beside_good(tmp_path, article_text(answer="x " * reader.MAX_FILE_BYTES))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, "(file)")


@pytest.mark.parametrize("size", [reader._READ - 1, reader._READ,
                                  reader._READ + 1, reader.MAX_FILE_BYTES,
                                  reader.MAX_FILE_BYTES + 1, reader.MAX_FILE_BYTES + 5000])
def test_a_file_is_read_whole_up_to_one_byte_past_the_bound(tmp_path, size):
    """`read_bytes` reads a little at a time (see its text): every size around either bound
    gives the file's bytes, cut one past the bound."""
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "big.md"
    path.write_bytes(data)
    assert reader.read_bytes(path) == data[:reader.MAX_FILE_BYTES + 1]


# -- two articles, one output name --------------------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("/learn/mathematics/questions/what-is-x", "/learn/mathematics/questions/what-is-x-"),
    ("/learn/mathematics/questions/" + "a" * 120 + "-one",
     "/learn/mathematics/questions/" + "a" * 120 + "-two"),
    ("/learn/maths/questions/what-is-x", "/learn/maths-/questions/what-is-y"),
])
def test_two_articles_with_one_output_name_keep_the_first(tmp_path, first, second):
    write_article(tmp_path, "a.md", url=first)
    write_article(tmp_path, "b.md", url=second)
    c = qtconvert.load(tmp_path)
    assert [a.url for a in c] == [first]
    (d,) = c.errors
    assert d.path == str(tmp_path / "b.md") and str(tmp_path / "a.md") in d.message


# -- characters XML cannot carry ----------------------------------------------------------------

def test_xml_forbidden_characters_are_removed_from_every_field_with_a_warning(tmp_path):
    c, bad = load_beside_good(tmp_path, article_text(
        subject="Medicine\x01", title="Wh\x0bat?", question="Wh\ufffeat?", author="Q\x1fT",
        answer="x is\x00 a letter.", seo={"page_keywords": "a\x02, b", "page_description": "d\x7f\x08"},
        related_article1={"id": 2, "title": "T\x03", "subject": "S\x04",
                           "url": "/learn/m/questions/t\x05"}))
    (a,) = [a for a in c if a.slug == "what-is-x"]
    assert a.subject == "Medicine" and "\x00" not in a.answer and a.keywords == ("a", "b")
    for value in dataclasses.astuple(a):
        assert not XML_FORBIDDEN.search(str(value)), value
    fields = {d.field for d in c.warnings if d.path == bad}
    assert fields == {"subject", "title", "question", "author", "answer", "seo.page_keywords",
                      "seo.page_description", "related_article1.title",
                      "related_article1.subject", "related_article1.url"}


def test_a_nul_from_a_yaml_escape_never_reaches_the_answer(tmp_path):
    (tmp_path / "a.md").write_text('---\nid: 1\ndate: 2024-01-01\nquestion: Q?\nsubject: S\n'
                                   'url: /learn/m/questions/q\nanswer: "A\\0B\\uFFFF\\x01C"\n'
                                   '---\n', encoding="utf-8")
    (a,) = qtconvert.load(tmp_path)
    assert a.answer == "ABC"


def test_plain_layout_body_is_cleaned(tmp_path):
    (tmp_path / "a.md").write_text("---\nid: 1\ndate: 2024-01-01\nquestion: Q?\ntitle: Q?\n"
                                   "subject: S\nurl: /learn/m/questions/q\n---\n\nA\x00B\x1bC\n",
                                   encoding="utf-8")
    c = qtconvert.load(tmp_path)
    assert c.articles[0].answer == "ABC" and [d.field for d in c.warnings] == ["answer"]


# -- no_index, duplicate keys --------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("'true'", True), ("'YES'", True), ("' No '", False),
                                             ("'false'", False), ("true", True), ("no", False)])
def test_no_index_strings_are_read_as_they_mean(tmp_path, value, expected):
    c, _ = load_beside_good(tmp_path, raw_article(no_index=value))
    assert not c.diagnostics
    assert [a.no_index for a in c if a.slug == "what-is-x"] == [expected]


@pytest.mark.parametrize("value", ["'maybe'", "1", "''", "[true]"])
def test_any_other_no_index_is_an_error_never_published(tmp_path, value):
    c, bad = load_beside_good(tmp_path, raw_article(no_index=value))
    (d,) = c.errors
    assert (d.path, d.field) == (bad, "no_index") and [a.slug for a in c] == ["good"]


@pytest.mark.parametrize("key", ["url", "id", "subject", "answer", "question", "no_index"])
def test_a_key_that_decides_what_is_published_written_twice_is_an_error(tmp_path, key):
    text = article_text(no_index=False).replace("\nurl:", f"\n{key}: 'x'\nurl:", 1) \
        if key != "url" else article_text().replace(
            "\nurl:", "\nurl: /learn/mathematics/questions/renamed\nurl:", 1)
    c, bad = load_beside_good(tmp_path, text)
    (d,) = c.errors
    assert (d.path, d.field) == (bad, key) and "twice" in d.message


def test_other_keys_written_twice_are_warnings(tmp_path):
    text = article_text(seo={"page_keywords": "a", "page_description": "d"})
    text = text.replace("\ntitle:", "\ntitle: First\ntitle:", 1) \
        .replace("  page_keywords: a", "  page_keywords: a\n  page_keywords: b")
    c, bad = load_beside_good(tmp_path, text)
    assert not c.errors
    assert {d.field for d in c.warnings if d.path == bad} == {"title", "seo.page_keywords"}
    assert [a.keywords for a in c if a.slug == "what-is-x"] == [("b",)]  # YAML: the last wins


# -- messages -----------------------------------------------------------------------------------

def test_a_file_name_cannot_forge_or_colour_a_message_line(tmp_path):
    name = "x\n\x1b[31merror: forged\u202e.md"
    c, _ = load_beside_good(tmp_path, "no front matter", name)
    (d,) = c.errors
    assert d.path.endswith(name)  # the data keeps the real name...
    line = str(d)  # ...the line escapes it
    assert "\n" not in line and "\x1b" not in line and "\u202e" not in line
    assert "x\\n\\x1b[31merror: forged\\u202e.md" in line


def test_diagnostic_str_escapes_every_part():
    d = Diagnostic("a\rb", "f\x00", "m\x9b\u2028", "warning")
    assert str(d) == "a\\rb: f\\x00: m\\x9b\\u2028"


@pytest.mark.parametrize("prefix, newline", [("", "\n"), ("", "\r\n"), ("\ufeff", "\n"),
                                             ("\ufeff", "\r\n")])
def test_yaml_error_lines_count_the_files_lines(tmp_path, prefix, newline):
    text = prefix + newline.join(["---", "id: 1", "title: a: b", "---", ""])
    c, _ = load_beside_good(tmp_path, text)
    (d,) = c.errors
    assert "invalid YAML at line 3:" in d.message


def test_a_binary_title_says_what_it_is(tmp_path):
    c, bad = load_beside_good(tmp_path, raw_article(title="!!binary aGVsbG8="))
    (d,) = [d for d in c.warnings if d.path == bad]
    assert d.field == "title" and "must be a string, got bytes" in d.message


def test_no_closing_front_matter_line(tmp_path):
    c, bad = load_beside_good(tmp_path, "---  \nid: 1\n")
    (d,) = c.errors
    assert d.path == bad and "closing" in d.message


# -- the model ----------------------------------------------------------------------------------

def test_infos_are_neither_errors_nor_warnings():
    c = Collection((), (Diagnostic("a", "f", "m", "info"), Diagnostic("b", "f", "m", "warning"),
                        Diagnostic("c", "f", "m")))
    assert [d.path for d in c.infos] == ["a"]
    assert [d.path for d in c.warnings] == ["b"] and [d.path for d in c.errors] == ["c"]


# -- parallel reading ---------------------------------------------------------------------------

def test_parallel_and_serial_reads_agree_on_a_small_folder(tmp_path, monkeypatch):
    for n in range(40):
        write_article(tmp_path, f"{n:02}.md", id=n, url=f"/learn/m/questions/q{n % 37}",
                      related_article1={"id": n, "title": "T", "subject": "S",
                                        "url": "/learn/m/questions/t"})
    (tmp_path / "99.md").write_text("broken", encoding="utf-8")
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM", 2)
    serial, parallel = qtconvert.load(tmp_path, jobs=1), qtconvert.load(tmp_path, jobs=2)
    assert serial.articles == parallel.articles and serial.diagnostics == parallel.diagnostics
    assert len(serial) == 37 and len(serial.errors) == 4


@needs_corpus
def test_parallel_and_serial_loads_of_the_corpus_are_identical():
    serial = qtconvert.load(CORPUS, jobs=1)
    parallel = qtconvert.load(CORPUS, jobs=2)
    assert len(serial) == 8009
    assert serial.articles == parallel.articles and serial.diagnostics == parallel.diagnostics


@pytest.mark.parametrize("front", [
    "k: &a x\nl: *a",  # an alias of a scalar: 10,000 of them would each be read as text
    "k: &a [1]\nl: [*a]",
    "? [&a x, *a]\n: v",  # inside a key
    "k: {<<: &a {x: 1}, y: *a}",
])
def test_every_kind_of_alias_is_refused(front):
    with pytest.raises(front_matter.FrontMatterError, match="alias"):
        front_matter.parse(front)


def test_the_front_matter_check_takes_linear_time():
    def cost(n: int) -> float:
        front = "k: [" + "[1], " * n + "]"
        gc.disable()  # a collection walks every object the suite left alive: not our cost
        try:
            start = time.process_time()
            front_matter.parse(front)
            return time.process_time() - start
        finally:
            gc.enable()

    cost(1000)  # warm up
    small, large = min(cost(10_000) for _ in range(3)), min(cost(20_000) for _ in range(3))
    assert large < 3.5 * small  # linear: about 2; quadratic: 4


@needs_corpus
def test_front_matter_parse_gives_what_yaml_gives_on_the_corpus():
    import yaml

    for path in sorted((CORPUS / "learn").rglob("*.md")):
        front, _ = front_matter.split(path.read_text(encoding="utf-8"))
        value, duplicates = front_matter.parse(front)
        assert value == yaml.load(front, Loader=yaml.CSafeLoader) and not duplicates, path
