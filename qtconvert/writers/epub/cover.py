"""The generated front matter: an SVG cover in the book's colour, its page, and a title page.

Nothing is fetched and no font is embedded: the cover uses generic font families, and its text
colour is whichever of white or near-black contrasts more with the cover colour.
"""

from __future__ import annotations

import textwrap

from ...model.books import Book, counted
from ...render.colours import BLACK, WHITE, contrast
from .xhtml import xml_attr, xml_text

__all__ = ["cover_svg", "cover_page", "title_page", "text_colour", "contrast",
           "accent_colour", "DEFAULT_ACCENT"]

WIDTH, HEIGHT, MARGIN = 1600, 2560, 150
_INK_DARK, _INK_LIGHT = BLACK, WHITE  # one of them always reaches 4.5:1
DEFAULT_ACCENT = "#1f4e79"  # epub.css's own accent
_TINT = "#f1f5f9"  # the darkest background epub.css sets accent-coloured text on


def text_colour(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    light, dark = contrast(background, _INK_LIGHT), contrast(background, _INK_DARK)
    return _INK_LIGHT if light >= dark else _INK_DARK


def accent_colour(cover: str) -> str:
    """The colour of headings and links inside the book: the cover's own when text in it reads
    on the stylesheet's backgrounds (4.5:1), else the default blue."""
    try:
        return cover if contrast(cover, _TINT) >= 4.5 else DEFAULT_ACCENT
    except ValueError:
        return DEFAULT_ACCENT


def title_lines(title: str) -> tuple[int, list[str]]:
    """(font size, lines) for the largest size at which the title fits in four lines without
    breaking a word (0.6 em a character is wide enough for bold capitals and `m`)."""
    for size in (168, 148, 128, 112, 96, 84, 72):
        per_line = max(6, int((WIDTH - 2 * MARGIN) / (0.6 * size)))
        lines = textwrap.wrap(title, per_line, break_long_words=False) or [""]
        if len(lines) <= 4 and max(map(len, lines)) <= per_line:
            return size, lines
    return 72, textwrap.wrap(title, per_line)[:5]  # a word longer than the cover is broken


def _subtitle_lines(subtitle: str) -> tuple[int, list[str]]:
    """(font size, lines) for the subtitle: up to three lines, shortened with an ellipsis."""
    for size in (72, 60, 52):
        lines = textwrap.wrap(subtitle, int(34 * 72 / size))
        if len(lines) <= 3:
            return size, lines
    return 52, lines[:2] + [textwrap.shorten(" ".join(lines[2:]), int(34 * 72 / 52) - 1,
                                             placeholder="") + "…"]


def cover_svg(book: Book) -> bytes:
    """The cover image: colour field, title, subtitle, subjects, question count."""
    bg, ink = book.cover_colour, text_colour(book.cover_colour)
    count = counted(len(book.articles), "question and answer")
    size, lines = title_lines(book.title)
    y = 1000
    title = []
    for line in lines:
        title.append(f'<text x="{MARGIN}" y="{y}" font-size="{size}" font-weight="700">'
                     f"{xml_text(line)}</text>")
        y += int(size * 1.12)
    sub_size, sub = _subtitle_lines(book.subtitle)
    subtitle = []
    y += 40
    for line in sub:
        subtitle.append(f'<text x="{MARGIN}" y="{y}" font-size="{sub_size}" opacity="0.9">'
                        f"{xml_text(line)}</text>")
        y += int(sub_size * 1.28)
    subjects = " · ".join(book.subjects)
    subjects = subjects if len(subjects) <= 44 else f"{len(book.subjects)} subjects"
    label = xml_text(f"{book.title}. {book.subtitle}")
    svg = f"""<?xml version="1.0" encoding="utf-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="cover-title">
<title id="cover-title">{label}</title>
<rect width="{WIDTH}" height="{HEIGHT}" fill="{bg}"/>
<g fill="{ink}" opacity="0.06">
<circle cx="1600" cy="0" r="760"/><circle cx="1600" cy="2560" r="520"/>
</g>
<g fill="none" stroke="{ink}" stroke-width="12" opacity="0.35">
<circle cx="1170" cy="560" r="230"/>
</g>
<circle cx="1310" cy="700" r="120" fill="{ink}" opacity="0.18"/>
<g fill="{ink}" font-family="'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif">
<text x="{MARGIN}" y="330" font-size="64" font-weight="700" letter-spacing="14">QUICKTAKES</text>
<rect x="{MARGIN}" y="385" width="220" height="12"/>
</g>
<g fill="{ink}" font-family="Georgia, 'DejaVu Serif', serif">
{chr(10).join(title)}
</g>
<g fill="{ink}" font-family="'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif">
{chr(10).join(subtitle)}
<rect x="{MARGIN}" y="2170" width="{WIDTH - 2 * MARGIN}" height="4" opacity="0.6"/>
<text x="{MARGIN}" y="2270" font-size="56">{xml_text(subjects)}</text>
<text x="{MARGIN}" y="2360" font-size="52" opacity="0.85">{xml_text(count)}</text>
</g>
</svg>
"""
    return svg.encode("utf-8")


def cover_page(book: Book, image_href: str) -> str:
    """The body of the cover page: the cover image, scaled to the screen."""
    alt = xml_attr(f"Cover: {book.title}, {book.subtitle}")
    return (f'<section class="qt-cover">'
            f'<img epub:type="cover" role="doc-cover" src="{image_href}" alt="{alt}"/></section>')


def title_page(book: Book, edition: str, source: str) -> str:
    """The body of the title page: title, subtitle, subjects, count, publisher, edition.
    (No series line: the subtitle is "QuickTakes study guide" unless a recipe says otherwise.)"""
    subjects = ", ".join(book.subjects)
    return (f'<section epub:type="titlepage" class="qt-titlepage">\n'
            f'<h1 class="qt-title">{xml_text(book.title)}</h1>\n'
            f'<p class="qt-subtitle">{xml_text(book.subtitle)}</p>\n'
            f'<p class="qt-count">{xml_text(counted(len(book.articles), "question and answer"))}'
            f'{" in " + xml_text(subjects) if len(book.subjects) > 1 else ""}</p>\n'
            f'<div class="qt-imprint">\n<p>Published by QuickTakes</p>\n'
            f'<p>Edition of {xml_text(edition)}</p>\n'
            f'<p>Every answer is also online at <a class="qt-external" href="{xml_attr(source)}">'
            f'{xml_text(source.split("//", 1)[-1])}</a>. Links to questions in this book stay '
            f'inside it; the others open the website.</p>\n</div>\n</section>')
