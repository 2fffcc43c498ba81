"""``novel-pyramid db upgrade`` and ``db current`` on the configured database."""

import pytest

from novel_pyramid.db.migrate import head_revision
from novel_pyramid.scripts import main


@pytest.fixture
def environment(monkeypatch):
    for name in ("DATABASE_URL", "NOVEL_PYRAMID_INI", "NOVEL_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_upgrade_prints_and_writes_the_revision(environment, sqlite_url, tmp_path, capsys):
    environment.setenv("DATABASE_URL", sqlite_url)
    termination_log = tmp_path / "termination-log"

    assert main(["db", "upgrade", "--write-revision", str(termination_log)]) == 0

    assert capsys.readouterr().out.strip() == head_revision()
    assert termination_log.read_text() == f"{head_revision()}\n"
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{head_revision()} (head)"


def test_database_url_comes_from_the_ini_file(environment, tmp_path, capsys):
    database = tmp_path / "from-ini.sqlite"
    ini = tmp_path / "app.ini"
    ini.write_text(f"[app:main]\nuse = egg:novel_pyramid\ndatabase_url = sqlite:///{database}\n")

    assert main(["db", "upgrade", "--ini", str(ini)]) == 0

    assert database.exists()
    environment.setenv("NOVEL_PYRAMID_INI", str(ini))
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{head_revision()} (head)"


def test_environment_wins_over_the_ini_file(environment, tmp_path, sqlite_url, capsys):
    ini = tmp_path / "app.ini"
    ini.write_text(f"[app:main]\ndatabase_url = sqlite:///{tmp_path / 'not-this.sqlite'}\n")
    environment.setenv("DATABASE_URL", sqlite_url)

    assert main(["db", "upgrade", "--ini", str(ini)]) == 0

    assert not (tmp_path / "not-this.sqlite").exists()


def test_a_missing_ini_named_by_the_environment_is_tolerated(environment, sqlite_url, capsys):
    environment.setenv("NOVEL_PYRAMID_INI", "/nonexistent/development.ini")
    environment.setenv("DATABASE_URL", sqlite_url)

    assert main(["db", "upgrade"]) == 0
    assert "using the environment only" in capsys.readouterr().err


def test_current_on_an_unversioned_database_fails(environment, sqlite_url, capsys):
    environment.setenv("DATABASE_URL", sqlite_url)
    assert main(["db", "current"]) == 1


def test_production_without_app_secrets_can_still_migrate(environment, sqlite_url, capsys):
    """The migration Job has DATABASE_URL but not the web application's secret keys."""
    environment.setenv("NOVEL_ENVIRONMENT", "production")
    environment.setenv("DATABASE_URL", sqlite_url)
    assert main(["db", "upgrade"]) == 0


def test_migrations_folder_can_be_named_for_installed_packages(tmp_path, project_root):
    from novel_pyramid.db.migrate import migrations_directory

    assert migrations_directory({}) == project_root / "migrations"
    assert migrations_directory({"NOVEL_PYRAMID_MIGRATIONS": str(project_root / "migrations")}) == (
        project_root / "migrations"
    )
    with pytest.raises(FileNotFoundError, match="NOVEL_PYRAMID_MIGRATIONS"):
        migrations_directory({"NOVEL_PYRAMID_MIGRATIONS": str(tmp_path)})
