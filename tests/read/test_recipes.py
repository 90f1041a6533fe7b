"""Book recipes: the example in content/recipes/, each key, and the errors a user can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import CONTENT

from qtconvert.errors import ConfigError
from qtconvert.read.recipes import SUBJECT_COLOURS, books_for, load_recipe

EXAMPLE = CONTENT / "recipes" / "quantitative-methods.toml"
GD = "/learn/computer-science/questions/what-is-gradient-descent-and-how-is-it-used-in-machine-learning"
QUADRATIC = "/learn/mathematics/questions/how-do-you-derive-and-use-the-quadratic-formula"


def recipe(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_recipe(content):
    book = load_recipe(EXAMPLE, content)
    assert (book.key, book.title, book.cover_colour, book.language) == \
        ("quantitative-methods", "Quantitative Methods", "#245e3a", "en")
    urls = [a.url for a in book.articles]
    assert GD in urls and QUADRATIC not in urls
    subjects = [a.subject_key for a in book.articles]
    assert subjects == sorted(subjects, key=["mathematics", "chemistry",
                                             "computer-science"].index)  # order = "subject"
    assert book.subjects == ("Mathematics", "Chemistry", "Computer Science")
    wanted = {"algebra", "number theory", "linear algebra", "statistics", "proof by induction",
              "stoichiometry", "logarithms", "time complexity"}
    for a in book.articles:
        assert a.url == GD or wanted & {k.casefold() for k in a.keywords}


def test_books_for_without_a_recipe_gives_subject_books(content):
    books = books_for(content, None)
    assert [b.key for b in books] == sorted(content.subjects)
    assert all(b.cover_colour in SUBJECT_COLOURS for b in books)
    assert books_for(content, EXAMPLE)[0].key == "quantitative-methods"


def test_keywords_only_any_subject_case_insensitive(content, tmp_path):
    book = load_recipe(recipe(tmp_path, 'title = "Costs"\nkeywords = ["FIXED COSTS"]\n'), content)
    assert {a.subject_key for a in book.articles} == {"accounting-and-finance",
                                                      "business-and-management"}
    assert book.key == "costs" and book.subtitle == "QuickTakes study guide"


def test_articles_only_keep_their_listed_order(content, tmp_path):
    book = load_recipe(recipe(tmp_path, f'title = "Two"\narticles = ["{GD}", '
                                        f'"https://quicktakes.io{QUADRATIC}/"]\n'), content)
    assert [a.url for a in book.articles] == [GD, QUADRATIC]


@pytest.mark.parametrize("order", ["question", "date"])
def test_orders(content, tmp_path, order):
    book = load_recipe(recipe(tmp_path, f'title = "M"\nsubjects = ["mathematics"]\n'
                                        f'order = "{order}"\n'), content)
    if order == "question":
        keys = [a.question.casefold() for a in book.articles]
    else:
        keys = [a.date for a in book.articles]
        assert isinstance(keys[0], dt.date)
    assert keys == sorted(keys)


@pytest.mark.parametrize("text, key, words", [
    ('subjects = ["mathematics"]\n', "title", "missing"),
    ('title = "x"\nsubject = ["mathematics"]\n', "subject", "unknown key"),
    ('title = "x"\nsubjects = ["maths"]\n', "subjects", "no articles under 'maths'"),
    ('title = "x"\nsubjects = "mathematics"\n', "subjects", "list of strings"),
    ('title = "x"\nsubjects = ["mathematics"]\ncover_colour = "green"\n', "cover_colour",
     "not a colour"),
    ('title = "x"\nsubjects = ["mathematics"]\norder = "random"\n', "order", "not one of"),
    ('title = "x"\nsubjects = ["mathematics"]\nlanguage = "english language"\n', "language",
     "not a language tag"),
    ('title = "x"\narticles = ["/blog/x"]\n', "articles", "not an article address"),
    ('title = "x"\narticles = ["/learn/mathematics/questions/nope"]\n', "articles",
     "not among the articles"),
    ('title = "x"\nkeywords = ["no such keyword"]\n', "keywords", "no article matches"),
    ('title = "x"\n', "subjects", "selects nothing"),
    ('title = "x"\nsubjects = [\n', "", "not a valid TOML"),
])
def test_errors_name_the_file_and_the_key(content, tmp_path, text, key, words):
    path = recipe(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_recipe(path, content)
    message = str(info.value)
    assert message.startswith(f"config error: {path}: {key}")
    assert words in message


def test_missing_recipe_file(content, tmp_path):
    with pytest.raises(ConfigError, match="cannot read the recipe"):
        load_recipe(tmp_path / "nope.toml", content)
