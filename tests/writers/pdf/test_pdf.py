"""The PDF writer, checked by reading the PDFs with pypdf: bookmarks, links, contents page
numbers, fonts, metadata, no raw TeX; and the URL fetcher, which must load nothing from the
network or the disk outside qtconvert's styles."""

from __future__ import annotations

import http.server
import re
import threading
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest
from conftest import CONTENT, CORPUS, needs_corpus, write_article

from qtconvert.build import build, prepare
from qtconvert.errors import UsageError
from qtconvert.model.books import split_volumes
from qtconvert.output import OutputFolder
from qtconvert.render.typography import curly_quotes
from qtconvert.writers import BuildOptions, Progress
from qtconvert.writers.pdf import PdfOptions, PdfWriter, weasy
from qtconvert.writers.pdf.fetcher import LocalFetcher

PDF = BuildOptions(formats=("pdf",))


class Notes(Progress):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


def _build(source: Path, out: Path, subjects=(), book=None, stylesheet=None, **pdf_options):
    """(books, {book key: [pdf paths]}, notes) for a PDF build of `source`; `pdf_options` are
    the fields of `PdfOptions`."""
    collection = prepare(source)
    opts = replace(PDF, subjects=subjects, book=book, stylesheet=stylesheet,
                   format_options={"pdf": PdfOptions(**pdf_options)})
    selected = collection.select(opts.subjects)
    notes = Notes()
    writer = PdfWriter(collection, selected, OutputFolder(out), opts, notes)
    writer.write()
    return writer.books(), sorted(Path(out, "pdf").glob("*.pdf")), notes.notes


@pytest.fixture(scope="module")
def content_pdfs(tmp_path_factory):
    """content/ built once: (books, pdf paths)."""
    books, paths, _ = _build(CONTENT, tmp_path_factory.mktemp("pdf"))
    return books, {p.stem: p for p in paths}


# -- reading PDFs ----------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def outline(reader: pypdf.PdfReader) -> list[tuple[str, int, list]]:
    """[(title, page index, children)] of the PDF's bookmarks."""
    items: list = []
    for entry in reader.outline:
        if isinstance(entry, list):
            items[-1][2].extend(
                (child.title, reader.get_destination_page_number(child), []) for child in entry)
        else:
            items.append((entry.title, reader.get_destination_page_number(entry), []))
    return items


def question_pages(reader: pypdf.PdfReader) -> dict[str, int]:
    """Question -> index of the page its bookmark points at."""
    return {title: page for _, _, children in outline(reader) for title, page, _ in children}


def named_pages(reader: pypdf.PdfReader) -> dict[str, int]:
    return {name: reader.get_destination_page_number(dest)
            for name, dest in reader.named_destinations.items()}


def links(reader: pypdf.PdfReader):
    """(page index, destination name or None, URI or None) of every link annotation."""
    for n, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A", {})
            dest = annot.get("/Dest") or (action.get("/D") if action.get("/S") == "/GoTo"
                                          else None)
            yield n, (str(dest) if dest is not None else None), action.get("/URI")


_LINE = 10.5 * 1.45  # a line of answer text, in points (print.css)
_BOX_GAP = 38  # from the baseline of the answer's last line to the related box's heading


def _baselines(page) -> list[tuple[float, str]]:
    """(height of the baseline from the foot of the page, text) of each run of text."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[5] * cm[3] + cm[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def related_box_ends(reader: pypdf.PdfReader):
    """(question, pages after its first, points of text above its related box on that page) for
    each question with a related box; running heads and page numbers are left out."""
    starts = sorted(question_pages(reader).items(), key=lambda item: item[1])
    index = next(p for t, p, _ in outline(reader) if t == "Index")
    height = float(reader.pages[0].mediabox.height)
    for (question, first), end in zip(starts, [p for _, p in starts[1:]] + [index]):
        for n in range(first, end):
            runs = [(y, t) for y, t in _baselines(reader.pages[n]) if 70 < y < height - 70]
            box = [y for y, t in runs if t.lower().startswith("related questions")]
            if box:
                yield question, n - first, max(y for y, _ in runs) - box[0]


def short_ends(reader: pypdf.PdfReader) -> tuple[list[str], list[str], int]:
    """(questions whose box is under 4 lines or fewer of answer on a page of its own, those
    whose box is alone on a page, questions with a box)."""
    short, alone, total = [], [], 0
    for question, after, above in related_box_ends(reader):
        total += 1
        if after and above < 4 * _LINE + _BOX_GAP + 2:  # 5 lines: 4 line steps + the gap
            short.append(question)
        if after and above < 1:
            alone.append(question)
    return short, alone, total


# -- content/ ----------------------------------------------------------------------------------

def test_one_pdf_per_subject(content_pdfs):
    books, paths = content_pdfs
    assert sorted(paths) == sorted(b.key for b in books)
    assert {"mathematics", "medicine", "computer-science"} <= set(paths)


def test_bookmarks_are_subject_then_its_questions(content_pdfs):
    books, paths = content_pdfs
    for book in books:
        items = outline(pypdf.PdfReader(paths[book.key]))
        titles = [title for title, _, _ in items]
        assert titles == ["Contents", *book.subjects, "Index"]
        subject = items[1]
        assert [t for t, _, _ in subject[2]] == [curly_quotes(a.question) for a in book.articles]
        pages = [p for _, p, _ in subject[2]]
        assert pages == sorted(pages) and len(set(pages)) == len(pages)  # one page each


def test_each_question_heading_is_on_its_bookmarked_page(content_pdfs):
    _, paths = content_pdfs
    reader = pypdf.PdfReader(paths["mathematics"])
    for question, page in question_pages(reader).items():
        assert _norm(question) in _norm(reader.pages[page].extract_text())


def test_internal_links_point_at_the_page_of_their_target(content_pdfs):
    books, paths = content_pdfs
    anchors = {a.anchor: curly_quotes(a.question) for b in books for a in b.articles}
    checked = 0
    for book in books:
        reader = pypdf.PdfReader(paths[book.key])
        named, questions = named_pages(reader), question_pages(reader)
        for _, dest, uri in links(reader):
            if dest is None:
                assert uri and uri.startswith(("http://", "https://")), uri
                continue
            assert dest in named, f"{book.key}: link to missing destination {dest}"
            if dest in anchors:
                assert named[dest] == questions[anchors[dest]]
                checked += 1
    assert checked > 100  # contents, related questions and index all link


def test_contents_print_the_real_page_numbers(content_pdfs):
    books, paths = content_pdfs
    for book in books:
        reader = pypdf.PdfReader(paths[book.key])
        pages = question_pages(reader)
        toc_start = next(p for t, p, _ in outline(reader) if t == "Contents")
        toc_end = next(p for t, p, _ in outline(reader) if t == book.subjects[0])
        toc = _norm(" ".join(reader.pages[n].extract_text() for n in range(toc_start, toc_end)))
        for article in book.articles:
            question = curly_quotes(article.question)  # as printed
            m = re.search(re.escape(_norm(question)) + r"[\s.]*?(\d+)", toc)
            assert m, f"{question!r} not in the contents of {book.key}"
            assert int(m.group(1)) == pages[question] + 1


def test_related_questions_show_their_page(content_pdfs):
    _, paths = content_pdfs
    reader = pypdf.PdfReader(paths["mathematics"])
    text = _norm(" ".join(p.extract_text() for p in reader.pages))
    printed = [int(n) for n in re.findall(r"\. p\.\s?(\d+)", text)]
    assert printed and set(printed) <= {p + 1 for p in question_pages(reader).values()}


def test_index_lists_keywords_with_pages(content_pdfs):
    books, paths = content_pdfs
    reader = pypdf.PdfReader(paths["mathematics"])
    start = next(p for t, p, _ in outline(reader) if t == "Index")
    text = _norm(" ".join(reader.pages[n].extract_text() for n in range(start, len(reader.pages))))
    pages = question_pages(reader)
    math_book = next(b for b in books if b.key == "mathematics")
    article = next(a for a in math_book.articles if "eigenvalues" in a.keywords)
    m = re.search(r"eigenvalues, ([\d, ]+)", text)
    assert m and pages[article.question] + 1 in {int(n) for n in m.group(1).split(",") if n.strip()}


def test_no_raw_tex_left(tmp_path):
    """Every formula is typeset: none is printed as TeX code (each carries its TeX only as
    invisible text, see test_pdf_math_text), and no `$$` is left."""
    collection = prepare(CONTENT)
    for key in ("mathematics", "chemistry", "computer-science"):
        opts = replace(PDF, subjects=(key,))
        writer = PdfWriter(collection, collection.select(opts.subjects), OutputFolder(tmp_path),
                           opts, Notes())
        (book,) = writer.books()
        html = writer.html(split_volumes(book, 0)[0])
        assert "qt-math-fallback" not in html and writer.math.failures == 0, key
        assert "$$" not in html, key


def _page_texts(path: Path) -> list[str]:
    return [_norm(page.extract_text()) for page in pypdf.PdfReader(path).pages]


def test_web_links_in_answers_print_their_address(content_pdfs):
    text = " ".join(_page_texts(content_pdfs[1]["computer-science"]))
    # the link text, then its address (the reader of paper cannot click)
    assert re.search(r"Wikipedia article on cross-site scripting\s*\u2039\s*"
                     r"en\.wikipedia\.org/wiki/Cross-site_scripting\s*\u203a", text)


def test_language_names_stay_whole_and_counts_agree_in_number(content_pdfs):
    pdfs = content_pdfs[1]
    body = " ".join(_page_texts(pdfs["computer-science"])[3:])
    assert "Hello World program in C++?" in body  # one span: never split across lines
    title = _page_texts(pdfs["business-and-management"])[0]
    assert "1 question and answer" in title and "1 questions" not in title


def test_fonts_are_embedded(content_pdfs):
    _, paths = content_pdfs
    for path in paths.values():
        for page in pypdf.PdfReader(path).pages:
            for font in page["/Resources"].get("/Font", {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                described = descendants[0].get_object() if descendants else font
                descriptor = described["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), \
                    f"{font['/BaseFont']} not embedded in {path.name}"


def test_metadata(content_pdfs):
    _, paths = content_pdfs
    reader = pypdf.PdfReader(paths["chemistry"])
    info = reader.metadata
    assert info["/Title"] == "Chemistry"
    assert info["/Author"] == "QuickTakes"
    assert "Chemistry" in info["/Subject"]
    assert "stoichiometry" in info["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_a4_by_default(content_pdfs):
    _, paths = content_pdfs
    box = pypdf.PdfReader(paths["medicine"]).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)


def test_last_pages_hold_more_than_the_related_box(content_pdfs):
    """The box and the source line may not begin a page; the answer's last lines go over with
    them, at least five of them (pdf_breaks), never one or two."""
    short, alone, total = [], [], 0
    for path in content_pdfs[1].values():
        s, a, t = short_ends(pypdf.PdfReader(path))
        short, alone, total = short + s, alone + a, total + t
    assert total > 20
    assert not alone
    assert len(short) <= total // 10, short


def test_small_caps_extract_as_written(content_pdfs):
    reader = pypdf.PdfReader(content_pdfs[1]["mathematics"])
    first = min(question_pages(reader).values())
    text = reader.pages[first].extract_text()
    assert "Question 1" in text and "QuesTion" not in text
    assert "QuickTakes study guide" in reader.pages[0].extract_text()


def test_related_questions_outside_the_book_print_their_address(content_pdfs):
    text = "".join(" ".join(_page_texts(content_pdfs[1]["mathematics"])).split())
    # the gradient question points at a computer-science question: not in this book
    assert ("quicktakes.io/learn/computer-science/questions/what-is-gradient-descent-and-how-"
            "is-it-used-in-machine-learning") in text


def _family(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def test_only_packaged_fonts_are_used(content_pdfs):
    from fontTools.ttLib import TTFont

    from qtconvert.package_data import data_dir

    shipped = {_family(TTFont(f)["name"].getDebugName(1))
               for f in sorted(data_dir("styles").glob("fonts/*.ttf"))}
    assert {"charissil", "jetbrainsmono"} <= shipped
    used = set()
    for path in content_pdfs[1].values():
        for page in pypdf.PdfReader(path).pages:
            for font in page["/Resources"].get("/Font", {}).values():
                used.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    assert any("JetBrains" in f for f in used)  # code is set in the shipped code font
    assert all(any(_family(f).startswith(family) for family in shipped) for f in used), used


def test_packaged_stylesheets_parse_without_warnings():
    from qtconvert.package_data import data_dir

    assert weasy.stylesheet_warnings(data_dir("styles") / "print.css") == []
    # epub.css is for reading systems, not WeasyPrint: only their features may be unknown to it
    reader_only = ("`display: block math`", "`overflow-x:", "`overflow-y:")
    for warning in weasy.stylesheet_warnings(data_dir("styles") / "epub.css"):
        assert any(feature in warning for feature in reader_only), warning


# -- options -----------------------------------------------------------------------------------

def test_volumes_split_large_books(tmp_path):
    books, paths, notes = _build(CONTENT, tmp_path, subjects=("mathematics",),
                                 max_articles_per_volume=4)
    assert [p.name for p in paths] == [f"mathematics-vol{n}.pdf" for n in (1, 2, 3)]
    assert any("3 volumes" in note for note in notes)
    first = pypdf.PdfReader(paths[1]).pages[0].extract_text()
    assert "Volume 2 of 3" in first
    reader = pypdf.PdfReader(paths[1])
    assert len(question_pages(reader)) == 3  # 9 questions in volumes of 3
    assert reader.metadata["/Title"] == "Mathematics — Volume 2 of 3"
    for _, dest, uri in links(reader):  # a question in another volume: its web address
        assert dest is not None or uri.startswith("https://quicktakes.io/learn/")


def test_letter_paper_and_flowing_questions(tmp_path, content_pdfs):
    books, paths, _ = _build(CONTENT, tmp_path, subjects=("mathematics",), paper="Letter",
                             page_breaks=False)
    reader = pypdf.PdfReader(paths[0])
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)
    assert len(reader.pages) < len(pypdf.PdfReader(content_pdfs[1]["mathematics"]).pages)
    pages = question_pages(reader)
    book = books[0]
    for before, after in zip(book.articles, book.articles[1:]):  # no page break between
        start = reader.pages[pages[curly_quotes(after.question)]].extract_text()
        end = reader.pages[pages[curly_quotes(after.question)] - 1].extract_text()
        assert before.slug[:30] in _norm(start + end).replace(" ", "")


def test_pdf_ua_variant(tmp_path):
    _, paths, _ = _build(CONTENT, tmp_path, subjects=("medicine",), variant="pdf/ua-1")
    root = pypdf.PdfReader(paths[0]).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


def test_unsupported_variant_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="supported: .*pdf/ua-1"):
        build(CONTENT, tmp_path, replace(PDF, subjects=("medicine",),
                                         format_options={"pdf": {"variant": "pdf/z-9"}}))
    assert not (tmp_path / "pdf").exists()


def test_recipe_book_has_a_part_per_subject(tmp_path):
    recipe = CONTENT / "recipes" / "quantitative-methods.toml"
    books, paths, _ = _build(CONTENT, tmp_path, book=recipe)
    (book,), (path,) = books, paths
    assert path.name == "quantitative-methods.pdf"
    reader = pypdf.PdfReader(path)
    parts = outline(reader)[1:-1]
    assert [t for t, _, _ in parts] == list(dict.fromkeys(a.subject for a in book.articles))
    assert [q for _, _, qs in parts for q, _, _ in qs] == [curly_quotes(a.question)
                                                           for a in book.articles]
    assert "Mathematics · Chemistry" in reader.pages[0].extract_text().replace("\n", " ")


def test_interleaved_subjects_make_one_part(tmp_path):
    recipe = tmp_path / "mixed.toml"
    recipe.write_text('title = "Mixed Bag"\nsubjects = ["mathematics", "chemistry"]\n'
                      'order = "question"\n', encoding="utf-8")
    books, paths, _ = _build(CONTENT, tmp_path / "out", book=recipe)
    parts = outline(pypdf.PdfReader(paths[0]))[1:-1]
    assert [t for t, _, _ in parts] == ["Mixed Bag"]
    assert [q for q, _, _ in parts[0][2]] == [curly_quotes(a.question) for a in books[0].articles]


def test_custom_stylesheet_replaces_the_default(tmp_path):
    sheet = tmp_path / "plain.css"
    sheet.write_text("@page { margin: 10mm }\nbody { font-family: serif; colour: red }\n"
                     "@page { @top-left, @top-right { content: 'x' } }", encoding="utf-8")
    _, paths, notes = _build(CONTENT, tmp_path / "out", subjects=("medicine",), stylesheet=sheet)
    # what WeasyPrint drops from it reaches the user: one line each, with file, line and column
    warnings = [n for n in notes if n.startswith("warning: ")]
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert warnings[0].startswith(f"warning: {sheet}:2:") and "colour" in warnings[0]
    assert warnings[1].startswith(f"warning: {sheet}:3:") and "@top-right" in warnings[1]
    fonts = {str(f.get_object()["/BaseFont"]) for page in pypdf.PdfReader(paths[0]).pages
             for f in page["/Resources"]["/Font"].values()}
    assert fonts and not any("Charis" in f for f in fonts)  # the default's fonts are gone


# -- nothing is fetched -------------------------------------------------------------------------

@pytest.fixture
def loopback():
    """An HTTP server on 127.0.0.1 that records every request: (base URL, requests)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def _images(reader: pypdf.PdfReader) -> int:
    count = 0
    for page in reader.pages:
        for obj in page["/Resources"].get("/XObject", {}).values():
            count += obj.get_object().get("/Subtype") == "/Image"
    return count


def test_fetcher_refuses_network_and_files(tmp_path, loopback):
    base, requests = loopback
    html = f"""<html><head>
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="stylesheet" href="{base}/style.css">
      <style>body {{ background: url({base}/bg.png) }} p {{ background: url(file:///etc/passwd) }}
      </style></head><body><p>text
      <img src="{base}/x.png"> <img src="file:///etc/passwd"> <img src="/etc/passwd">
      <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='8'/%3E">
      </p></body></html>"""
    result = weasy.write_pdf(html, tmp_path / "x.pdf", base_dir=tmp_path / "nothing-here")
    assert requests == []
    assert {f"{base}/style.css", f"{base}/bg.png", f"{base}/x.png", "file:///etc/passwd"} == set(
        result.refused)
    assert _images(pypdf.PdfReader(tmp_path / "x.pdf")) == 0
    assert b"root:" not in (tmp_path / "x.pdf").read_bytes()


def test_fetcher_loads_only_the_package_styles(tmp_path):
    fetcher = LocalFetcher([tmp_path / "styles"])
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "a.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("secret")
    assert fetcher.allows((tmp_path / "styles" / "a.css").as_uri())
    assert not fetcher.allows((tmp_path / "styles" / ".." / "secret.txt").as_uri())
    assert not fetcher.allows((tmp_path / "secret.txt").as_uri())
    assert not fetcher.allows("ftp://127.0.0.1/a.css")
    assert fetcher.allows("data:text/css,p{}")


def test_images_in_answers_are_not_fetched(tmp_path, loopback):
    base, requests = loopback
    answer = (f"An image: ![chart]({base}/chart.png) and ![pw](file:///etc/passwd).\\n\\n"
              f'<img src="{base}/raw.png">\\n\\nEnd.')
    write_article(tmp_path / "src", answer=answer)
    _, paths, _ = _build(tmp_path / "src", tmp_path / "out")
    assert requests == []
    assert _images(pypdf.PdfReader(paths[0])) == 0
    assert b"root:" not in paths[0].read_bytes()


# -- the real corpus ------------------------------------------------------------------------------

@needs_corpus
def test_corpus_subject(tmp_path):
    books, paths, _ = _build(CORPUS, tmp_path, subjects=("science",))
    (book,), (path,) = books, paths
    reader = pypdf.PdfReader(path)
    items = outline(reader)
    assert [t for t, _, _ in items[1][2]] == [curly_quotes(a.question) for a in book.articles]
    pages = question_pages(reader)
    named = named_pages(reader)
    anchors = {a.anchor: curly_quotes(a.question) for a in book.articles}
    for _, dest, _ in links(reader):
        if dest in anchors:
            assert named[dest] == pages[anchors[dest]]
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "$$" not in text and "\\frac" not in text


@needs_corpus
def test_corpus_last_pages_hold_more_than_the_related_box(tmp_path):
    """60 questions of a corpus subject with related questions (the small subjects have none)."""
    slugs = sorted(p.stem for p in (CORPUS / "learn" / "accounting-and-finance").glob("*.md"))
    recipe = tmp_path / "sixty.toml"
    recipe.write_text('title = "Sixty"\narticles = [' + ", ".join(
        f'"/learn/accounting-and-finance/questions/{slug}"' for slug in slugs[:60]) + "]\n",
        encoding="utf-8")
    _, (path,), _ = _build(CORPUS, tmp_path / "out", book=recipe)
    short, alone, total = short_ends(pypdf.PdfReader(path))
    assert total > 40
    assert not alone
    assert len(short) <= total // 10, short
