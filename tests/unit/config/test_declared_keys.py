"""Every setting the code reads is declared, with its one default, in ``novel_pyramid.config.declarations``.

The source of ``novel_pyramid`` (and the suite's own settings, tests/conftest.py)
is read with ``ast``: a key read as ``settings["key"]``, ``registry.settings.get("key")``
or ``config.get_settings()["key"]`` must be in the table, and no read may carry a
default of its own (``settings.get("key", 300)``), since ``load_settings`` gives every
declared key its value.
"""

import ast
import pathlib

import novel_pyramid
from novel_pyramid.config.declarations import SETTINGS_BY_KEY

PACKAGE_ROOT = pathlib.Path(novel_pyramid.__file__).parent
TEST_CONFTEST = PACKAGE_ROOT.parent / "tests" / "conftest.py"


def holds_settings(node):
    """``settings``, ``self.settings``, ``request.registry.settings``, ``config.get_settings()``..."""
    if isinstance(node, ast.Name):
        return node.id == "settings"
    if isinstance(node, ast.Attribute):
        return node.attr == "settings"
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr == "get_settings"
    return False


def settings_reads(source, filename="<source>"):
    """``(key, line, has_default)`` of each literal key read from the settings in ``source``."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and holds_settings(node.value):
            key, has_default = node.slice, False
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and holds_settings(node.func.value)
            and node.args
        ):
            key, has_default = node.args[0], len(node.args) > 1 or bool(node.keywords)
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value, node.lineno, has_default


def suite_settings_keys(source):
    """The keys the suite's ``app_settings`` fixture sets, and those it writes into loaded settings."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "app_settings":
            for returned in ast.walk(node):
                if isinstance(returned, ast.Return) and isinstance(returned.value, ast.Dict):
                    yield from (key.value for key in returned.value.keys if isinstance(key, ast.Constant))
        if isinstance(node, ast.Subscript) and holds_settings(node.value) and isinstance(node.slice, ast.Constant):
            yield node.slice.value


def package_reads():
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        for key, line, has_default in settings_reads(path.read_text(), str(path)):
            yield key, f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}", has_default


def test_every_key_the_code_reads_is_declared():
    reads = list(package_reads())
    undeclared = sorted(f"{key} ({where})" for key, where, _ in reads if key not in SETTINGS_BY_KEY)
    assert undeclared == []
    # The reader sees the reads it is meant to (a reader that finds nothing passes nothing).
    assert {"health.cache_seconds", "ratelimit.limits", "redis.read_timeout_seconds", "gemini.model"} <= {
        key for key, _, _ in reads
    }


def test_no_read_gives_a_default_of_its_own():
    defaulted = sorted(f"{key} ({where})" for key, where, has_default in package_reads() if has_default)
    assert defaulted == []


def test_the_suites_settings_are_declared_keys():
    keys = set(suite_settings_keys(TEST_CONFTEST.read_text()))
    assert {"db.engine", "log.keep_handlers", "health.cache_seconds"} <= keys
    assert sorted(keys - SETTINGS_BY_KEY.keys()) == []


def test_the_reader_finds_reads_and_their_defaults():
    source = """
def f(config, request, settings, registry):
    settings["a"]
    request.registry.settings.get("b")
    config.get_settings()["c"]
    registry.settings.get("d", 0)
    settings["written"] = 1
    other["not.settings"]
    settings[variable]
"""
    assert sorted(settings_reads(source)) == [("a", 3, False), ("b", 4, False), ("c", 5, False), ("d", 6, True)]
