"""The shipped French 2K list: its file, and its installation (once, versioned, safe when raced)."""

import threading

import pytest
from sqlalchemy import func, select

from novel_pyramid.db import make_session_factory
from novel_pyramid.wordlists.defaults import (
    SHIPPED_SOURCE_REF,
    ShippedList,
    install_default,
    parse_shipped,
    shipped_default,
)
from novel_pyramid.wordlists.models import WordList


def defaults_in(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(WordList).where(WordList.is_global_default.is_(True)))


def test_the_shipped_file_has_2000_distinct_keys_a_version_and_its_licence(project_root):
    shipped = shipped_default()

    assert shipped.name == "French 2K" and shipped.version >= 1
    assert len(shipped.keys) == len(set(shipped.keys)) == 2000
    # Most frequent first: function words, the auxiliaries, then common words, each as its lemma.
    assert shipped.keys[:9] == ("de", "le", "et", "à", "être", "en", "un", "que", "avoir")
    assert {"faire", "pouvoir", "maison", "homme", "temps", "jour", "aller", "voir", "petit"} <= set(shipped.keys)
    # Forms, names, English and lone letters are not keys.
    assert not {"est", "les", "ont", "l", "france", "the", "x", "Monsieur"} & set(shipped.keys)
    assert all(key == key.strip() and key for key in shipped.keys)
    header = (project_root / "novel_pyramid/wordlists/data/french_2k.txt").read_text("utf-8").split("\nde\n")[0]
    for notice in ("wordfreq 3.1.1", "Creative Commons", "Attribution-ShareAlike 4.0", "SUBTLEX", "OpenSubtitles"):
        assert notice in header


def test_parse_needs_a_version_and_keys():
    assert parse_shipped("# version: 4\nchat\nchat\nchien\n").keys == ("chat", "chien")
    for text in ("chat\n", "# version: 1\n# nothing\n"):
        with pytest.raises(ValueError):
            parse_shipped(text)


def test_installing_twice_makes_one_default(dbsession):
    first, what = install_default(dbsession, shipped_default())
    dbsession.commit()
    again, what_again = install_default(dbsession, shipped_default())
    dbsession.commit()

    assert (what, what_again) == ("installed", "unchanged") and first.id == again.id
    assert defaults_in(dbsession) == 1
    assert (first.owner_user_id, first.source_ref, first.normalized_count) == (None, SHIPPED_SOURCE_REF, 2000)
    assert first.canonical_samples[:3] == ["de", "le", "et"]


def test_a_newer_version_updates_the_default_in_place_and_an_older_one_does_not(dbsession):
    installed, _ = install_default(dbsession, ShippedList("French 2K", 1, ("chat", "chien")))
    dbsession.commit()

    updated, what = install_default(dbsession, ShippedList("French 2K", 2, ("chat", "chien", "lapin")))
    dbsession.commit()
    assert what == "updated" and updated.id == installed.id
    assert (updated.version, updated.word_keys, updated.normalized_count) == (2, ["chat", "chien", "lapin"], 3)

    kept, what = install_default(dbsession, ShippedList("French 2K", 1, ("autre",)))
    dbsession.commit()
    assert what == "unchanged" and kept.version == 2 and kept.word_keys == ["chat", "chien", "lapin"]
    assert defaults_in(dbsession) == 1


@pytest.mark.parametrize("processes", [2, 4])
def test_installs_racing_each_other_make_one_default(engine, dbsession, processes):
    """Each thread stands for a process installing at start-up: its own connection and transaction."""
    factory = make_session_factory(engine)
    barrier = threading.Barrier(processes)
    results, errors = [], []

    def install():
        session = factory()
        try:
            barrier.wait(timeout=10)
            wordlist, what = install_default(session, shipped_default())
            session.commit()
            results.append((wordlist.id, what))
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=install) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(what for _, what in results) == ["installed"] + ["unchanged"] * (processes - 1)
    assert len({wordlist_id for wordlist_id, _ in results}) == 1
    assert defaults_in(dbsession) == 1
