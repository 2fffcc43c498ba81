"""``novel-pyramid wordlists install-default`` and ``build-default``, and ``db upgrade`` installing the list."""

import pytest
from sqlalchemy import func, select

from novel_pyramid.db import make_engine, make_session_factory
from novel_pyramid.models import ModelBase
from novel_pyramid.scripts import main
from novel_pyramid.wordlists.build import _version_after, build_default_text, most_frequent_keys
from novel_pyramid.wordlists.models import WordList


@pytest.fixture
def database(tmp_path, monkeypatch):
    for name in ("NOVEL_PYRAMID_INI", "NOVEL_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'novel.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine({"database_url": url})
    yield engine
    engine.dispose()


def defaults(engine):
    with make_session_factory(engine)() as session:
        return session.scalars(select(WordList.version).where(WordList.is_global_default.is_(True))).all()


def test_install_default_installs_once(database, capsys):
    ModelBase.metadata.create_all(database)

    assert main(["wordlists", "install-default"]) == 0
    assert main(["wordlists", "install-default"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("French 2K (id 1, version 1, 2000 keys): installed")
    assert out[1].endswith(": unchanged")
    assert defaults(database) == [1]


def test_db_upgrade_installs_the_default_list(database, capsys):
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0

    assert "Word list French 2K (id 1, version 1, 2000 keys): installed" in capsys.readouterr().err
    assert defaults(database) == [1]
    with make_session_factory(database)() as session:
        assert session.scalar(select(func.count()).select_from(WordList)) == 1


def test_the_shipped_file_is_what_build_default_writes(project_root):
    """Reproducible: the same wordfreq, model and keying give the committed file, byte for byte."""
    shipped = (project_root / "novel_pyramid/wordlists/data/french_2k.txt").read_text("utf-8")
    assert build_default_text(previous_text=shipped) == shipped


def test_build_default_writes_a_file_of_the_size_asked(tmp_path, capsys):
    output = tmp_path / "list.txt"
    assert main(["wordlists", "build-default", "--output", str(output), "--size", "50"]) == 0

    lines = output.read_text("utf-8").splitlines()
    assert "# version: 1" in lines and sum(1 for line in lines if line and not line.startswith("#")) == 50
    assert "50 keys" in capsys.readouterr().err


def test_the_first_known_keys_in_order_and_the_version_rule():
    known = {"chat", "chien", "lapin"}.__contains__
    assert most_frequent_keys(["chat", None, "the", "chat", "chien", "lapin"], known, 2) == ["chat", "chien"]
    previous = "# version: 3\nchat\nchien\n"
    assert _version_after(previous, ["chat", "chien"]) == 3
    assert _version_after(previous, ["chat", "lapin"]) == 4
    assert _version_after(None, ["chat"]) == 1
