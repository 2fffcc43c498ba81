"""Static checks of the Dockerfile (no Docker engine here): stages, user, and what is copied."""

import fnmatch
import pathlib
import re

from novel_operator import constants as c
from novel_operator.manifests import APP_UID

ROOT = pathlib.Path(__file__).parents[2]


def stages() -> dict[str, list[str]]:
    """Instructions of each stage, by stage name, in order."""
    result: dict[str, list[str]] = {}
    current = None
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM \S+ AS (\S+)", line)
        if match:
            current = match.group(1)
            result[current] = [line]
        elif current:
            result[current].append(line)
    return result


def test_the_app_is_the_last_stage_and_runs_as_the_manifests_uid():
    names = list(stages())
    assert names[-1] == "app"
    for name in ("app", "operator"):
        users = [line for line in stages()[name] if line.startswith("USER")]
        assert users == [f"USER {APP_UID}:{APP_UID}"]


def test_no_build_tools_in_the_final_stages():
    for name in ("runtime-base", "app", "operator"):
        for line in stages()[name]:
            assert "apt-get" not in line and "build-essential" not in line and "pip install" not in line, line


def test_the_app_stage_has_the_runtime_files_and_the_web_command():
    app = " ".join(stages()["app"])
    for needed in ("production.ini", "alembic.ini", "migrations", "COPY --from=build /venv /venv"):
        assert needed in app
    assert 'CMD ["pserve", "/app/production.ini"]' in app
    assert c.DEFAULT_INI == "/app/production.ini"


def test_copied_sources_exist_and_are_not_docker_ignored():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for lines in stages().values():
        for line in lines:
            if not line.startswith("COPY ") or "--from=" in line:
                continue
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
                assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
