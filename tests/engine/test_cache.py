"""The build cache (qtconvert/cache.py): entries, transactions, `cache info` and `prune`."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import ROOT

from qtconvert.cache import Cache, NoCache, open_cache
from qtconvert.cli import main
from qtconvert.model.urls import CACHE_FOLDER


def test_an_entry_is_read_back_after_commit_and_close(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.put("k1", "answer-html", ("<p>x</p>", ""))
    cache.put("k2", "unit:epub", {"files": 1}, (b"PK\x03\x04",))
    cache.close()
    again = Cache(tmp_path / "c")
    assert again.meta(["k1", "k2", "absent"]) == {"k1": ("<p>x</p>", ""), "k2": {"files": 1}}
    assert again.body("k2") == (b"PK\x03\x04",)
    assert (tmp_path / "c" / "CACHEDIR.TAG").read_bytes().startswith(
        b"Signature: 8a477f597d28d172789f06886806bc55")
    again.close()


def test_a_new_cache_stores_its_blobs_in_large_pages_and_an_old_one_keeps_its_own(tmp_path):
    """A new database gets 64 KB pages (an EPUB page or a JSON-LD shard is then a few pages,
    not a chain of dozens); one made with SQLite's default pages is used as it is."""
    import sqlite3

    from qtconvert.cache import DATABASE, PAGE_SIZE

    cache = Cache(tmp_path / "new")
    cache.put("k", "unit:x", "meta", b"x" * 200_000)
    cache.close()
    old = tmp_path / "old"
    old.mkdir()
    sqlite3.connect(old / DATABASE).execute("CREATE TABLE t (x)").connection.close()
    again = Cache(old)
    again.put("k", "unit:x", "meta", b"y")
    again.close()
    for folder, size in ((tmp_path / "new", PAGE_SIZE), (old, 4096)):
        db = sqlite3.connect(folder / DATABASE)
        assert db.execute("PRAGMA page_size").fetchone()[0] == size
        db.close()
    assert PAGE_SIZE == 65536
    reopened = Cache(tmp_path / "new")
    assert reopened.body("k") == b"x" * 200_000
    reopened.close()


def test_the_log_grows_while_a_build_writes_and_is_moved_into_the_database_on_close(tmp_path):
    """No checkpoint of SQLite's own (and its fsync) while the build writes: the entries stay
    in the write-ahead log until `checkpoint` or `close`, which moves them into the database
    and empties the log."""
    cache = Cache(tmp_path / "c")
    for n in range(3):
        cache.put(f"k{n}", "unit:x", "meta", b"x" * 3_000_000)
        cache.commit()
    log = tmp_path / "c" / "cache.sqlite-wal"
    assert log.stat().st_size > 9_000_000  # SQLite's default would checkpoint at 4 MB
    cache.close()
    assert not log.exists() or log.stat().st_size == 0
    again = Cache(tmp_path / "c")
    assert again.body("k2") == b"x" * 3_000_000
    again.close()


def test_a_checkpoint_moves_the_log_into_the_database_and_the_cache_goes_on(tmp_path):
    """`checkpoint` (a build calls it while pandoc runs): what was put so far is in the
    database file itself, without its log; entries put after it are kept as usual."""
    import shutil
    import sqlite3

    cache = Cache(tmp_path / "c")
    cache.put("before", "unit:x", "meta", b"x" * 3_000_000)
    cache.checkpoint()
    cache.put("after", "unit:x", "meta2")
    cache.commit()
    alone = tmp_path / "alone"  # the database file, without the log beside it
    alone.mkdir()
    shutil.copy(tmp_path / "c" / "cache.sqlite", alone / "cache.sqlite")
    with sqlite3.connect(alone / "cache.sqlite") as db:
        assert db.execute("SELECT key FROM entries").fetchall() == [("before",)]
    cache.close()
    again = Cache(tmp_path / "c")
    assert again.meta(["before", "after"]) == {"before": "meta", "after": "meta2"}
    assert again.body("before") == b"x" * 3_000_000
    again.close()
    NoCache().checkpoint()  # --no-cache: nothing to move


def test_a_killed_build_leaves_no_entry_it_had_not_committed(tmp_path):
    """The process dies (SIGKILL) after one commit and before the next: the committed entry
    is whole, the other absent, never half-written."""
    script = (f"import os, sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from qtconvert.cache import Cache\n"
              f"c = Cache({str(tmp_path / 'c')!r})\n"
              "c.put('done', 'unit:x', 'meta', b'x' * 100000); c.commit()\n"
              "c.put('half', 'unit:x', 'meta', b'y' * 10000000)\n"
              "os.kill(os.getpid(), 9)\n")
    assert subprocess.run([sys.executable, "-c", script]).returncode == -9
    cache = Cache(tmp_path / "c")
    assert cache.meta(["done", "half"]) == {"done": "meta"}
    assert cache.body("done") == b"x" * 100000
    cache.close()


def test_prune_removes_the_least_recently_used_first(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.touch_after = 0  # a read marks the entry at once (by default, hourly at most)
    for n in range(4):
        cache.put(f"k{n}", "unit:markdown", "m", b"z" * 1000)
        cache.commit()
        time.sleep(0.01)
    cache.meta(["k0"])  # used now: newest
    cache.commit()
    removed, freed = cache.prune(max_bytes=2500)
    assert removed == 2 and freed > 2000
    assert set(cache.keys()) == {"k0", "k3"}
    assert cache.prune(older_than=0)[0] == 2 and not list(cache.keys())
    cache.close()


def test_no_cache_keeps_nothing(tmp_path):
    cache = open_cache(tmp_path / "out", enabled=False)
    assert isinstance(cache, NoCache) and not cache.enabled
    cache.put("k", "x", "meta")
    assert cache.meta(["k"]) == {}
    assert not (tmp_path / "out").exists()


def test_cache_info_and_prune_on_the_command_line(tmp_path, capsys):
    cache = Cache(tmp_path / "out" / CACHE_FOLDER)
    cache.put("b", "unit:epub", "m", b"e" * 5000)
    cache.commit()
    time.sleep(0.01)
    cache.put("a", "answer-html", ("<p/>", ""))  # newer: kept by a prune to 1K
    cache.close()
    assert main(["cache", "info", "-o", str(tmp_path / "out")]) == 0
    shown = capsys.readouterr().out
    assert "2 entries" in shown and "unit:epub" in shown and "answer-html" in shown
    assert main(["cache", "prune", "-o", str(tmp_path / "out"), "--max-size", "1K"]) == 0
    assert "removed 1 entry" in capsys.readouterr().out
    assert main(["cache", "prune", "-o", str(tmp_path / "out")]) == 2  # prune needs a limit
    assert main(["cache", "info", "-o", str(tmp_path / "nothing")]) == 2
    assert "no build cache there" in capsys.readouterr().err
