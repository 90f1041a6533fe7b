"""An answer's HTML does not depend on the batch it is converted in (render/pandoc.py): the
cache of answer HTML, and so incremental builds, rely on it."""

from __future__ import annotations

from qtconvert.render.pandoc import PandocOptions, to_html

ANSWERS = [
    "## Limitations\n\nSee [above](#limitations).\n\n```python\nprint(1)\n```\n",
    "## Limitations\n\nMore.\n\n```c\nint x;\n```\n\n```c\nint y;\n```\n",  # same heading
    "```python\nan unclosed fence\n",
    "A claim.[^1]\n\n[^1]: Its source.\n",  # footnotes: numbered per run
    "[ref]: https://example.com/a\n\n[defined here][ref]",
    "[not defined here][ref]",  # must not take the other answer's definition
    "# Intro\n\n## Intro\n\n<div>raw</div> and $x^2$",
    "```\nplain, no language: numbered but shown without an id\n```\n\n```python\nx = 1\n```\n",
]


def _batched(answers):
    return to_html(answers, PandocOptions(batch_size=len(answers), jobs=1))


def test_an_answer_converts_the_same_in_a_batch_as_alone():
    alone = [to_html([a], PandocOptions(batch_size=1, jobs=1))[0] for a in ANSWERS]
    assert _batched(ANSWERS) == alone
    assert _batched(ANSWERS[::-1])[::-1] == alone
    # without the unclosed fence, no fallback to one run per answer hides a difference
    shared = [a for a in ANSWERS if "unclosed" not in a]
    batched = _batched(shared)
    assert batched == [x for a, x in zip(ANSWERS, alone) if "unclosed" not in a]
    assert 'id="limitations"' in batched[1]  # not limitations-1 for following another
    assert 'id="cb1"' in batched[1] and 'id="cb2"' in batched[1]
    assert "Its source." in batched[2] and "Its source." not in batched[-1]
    assert "example.com" not in batched[4]


def test_a_batch_keeps_its_answer_files_in_memory_and_leaves_none_behind(monkeypatch):
    """Where /dev/shm is a writable folder, the answer files of a batch go there (creating and
    removing them on a disk cost seconds of kernel time for the corpus), and are removed."""
    import os
    import tempfile

    from qtconvert.render import pandoc

    if not (os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK)):
        assert pandoc.scratch_folder() is None
        return
    assert pandoc.scratch_folder() == "/dev/shm"
    folders = []
    made = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        folder = made(*args, **kwargs)
        folders.append(folder.name)
        return folder

    monkeypatch.setattr(pandoc.tempfile, "TemporaryDirectory", recorded)
    assert _batched(ANSWERS[:2]) == [to_html([a], PandocOptions(jobs=1))[0] for a in ANSWERS[:2]]
    assert folders and all(f.startswith("/dev/shm/qtconvert-batch-") for f in folders)
    assert not any(os.path.exists(f) for f in folders)
