"""The README's configuration table names every environment variable the app reads."""

from novel_pyramid.config.declarations import SETTINGS


def test_every_environment_variable_is_documented(project_root):
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env and f"`{s.env}`" not in readme]
    assert missing == []
