"""The filter stage: built-in order, user filters from a config file, user Lua filters."""

from __future__ import annotations

import textwrap

import pytest
from conftest import CONTENT, write_article
from qtconvert.filters import run_filters

from qtconvert.build import prepare
from qtconvert.config import DEFAULT_FILTERS, load_config
from qtconvert.errors import ConfigError
from qtconvert.render import pandoc


def test_defaults_without_a_config(tmp_path):
    config = load_config(search_from=tmp_path)
    assert config.filters == DEFAULT_FILTERS and config.base_url == "https://quicktakes.io"


def test_user_filter_from_qtconvert_toml_runs_in_the_pipeline(tmp_path):
    write_article(tmp_path / "articles")
    (tmp_path / "shout.py").write_text(textwrap.dedent('''
        def shout(collection):
            return collection.replace(articles=[a.replace(question=a.question.upper())
                                                for a in collection])
    '''))
    (tmp_path / "qtconvert.toml").write_text('extra_filters = ["shout.py:shout"]\n'
                                             'base_url = "https://example.org"\n')
    collection = prepare(tmp_path / "articles")  # the config is found above the folder
    (article,) = collection
    assert article.question == "WHAT IS X?"
    assert article.canonical_url.startswith("https://example.org/")


def test_pyproject_tool_section_and_disabling_a_filter(tmp_path):
    write_article(tmp_path, answer="See [x](/learn/mathematics/questions/what-is-x).")
    (tmp_path / "pyproject.toml").write_text('[tool.qtconvert]\n'
                                             'disable_filters = ["answer-links"]\n')
    config = load_config(search_from=tmp_path)
    assert config.filters == ("related-links",)
    (article,) = prepare(tmp_path, config)
    assert "qtref:" not in article.answer


@pytest.mark.parametrize("toml, words", [
    ('filters = "related-links"', "list of strings"),
    ('colour = 1', "unknown key 'colour'"),
    ('base_url = "ftp://x"', "base_url"),
    ('lua_filters = ["nope.lua"]', "nope.lua not found"),
    ('disable_filters = ["answer-link"]', "'answer-link' is not a filter in use"),
])
def test_bad_config_is_a_clear_error(tmp_path, toml, words):
    (tmp_path / "qtconvert.toml").write_text(toml)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        load_config(tmp_path / "qtconvert.toml")


def test_unknown_filter_and_wrong_return_type(tmp_path, content):
    with pytest.raises(ConfigError, match="unknown filter 'nope'"):
        run_filters(content, ["nope"])
    with pytest.raises(ConfigError, match="not a Collection"):
        run_filters(content, [lambda c: list(c)])


def test_user_lua_filter_changes_answer_output(tmp_path):
    lua = tmp_path / "emph-to-strong.lua"
    lua.write_text("function Emph(el) return pandoc.Strong(el.content) end\n")
    (tmp_path / "qtconvert.toml").write_text(f'lua_filters = ["{lua.name}"]\n')
    config = load_config(tmp_path / "qtconvert.toml")
    plain = pandoc.to_html(["an *important* word"])[0]
    filtered = pandoc.to_html(["an *important* word"],
                              pandoc.PandocOptions(lua_filters=config.lua_filters))[0]
    assert "<em>important</em>" in plain
    assert "<strong>important</strong>" in filtered


@pytest.mark.parametrize("name", ["raw-html-as-text", "images-as-links"])
def test_builtin_lua_filter_samples(name):
    folder = CONTENT.parent / "filters" / "tests"
    sample = (folder / f"{name}.md").read_text()
    expected = (folder / f"{name}.html").read_text()
    # the samples are run through the whole pandoc step, which applies every built-in filter
    assert pandoc.to_html([sample])[0].split() == expected.split()


def test_batches_split_back_even_when_an_answer_breaks_the_markers():
    answers = [f"answer *{n}*" for n in range(7)] + ["```\nunclosed fence"] + ["last $x$"]
    out = pandoc.to_html(answers, pandoc.PandocOptions(batch_size=4, jobs=2))
    assert len(out) == 9
    assert out[3] == "<p>answer <em>3</em></p>"
    assert "unclosed fence" in out[7] and "<math" in out[8]




def test_a_broken_unrelated_pyproject_above_is_skipped(tmp_path):
    (tmp_path / "pyproject.toml").write_text("this is [not toml")
    (tmp_path / "articles").mkdir()
    assert load_config(search_from=tmp_path / "articles").filters == DEFAULT_FILTERS
