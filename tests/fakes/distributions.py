"""A third-party distribution written on the fly, as ``pip install`` would leave it, for plugin tests."""

import sys

import pytest


def distribution_fixture(module_name, source, group, entry_points):
    """A fixture that installs ``module_name`` declaring ``entry_points`` ({name: "module:attr"}) in ``group``.

    It writes the module and a ``*.dist-info`` in the test's temporary directory
    and puts that on ``sys.path`` for the test only, so ``importlib.metadata``
    finds the entry points exactly as it finds an installed package's; the
    module is forgotten after the test.
    """

    @pytest.fixture
    def installed_distribution(tmp_path, monkeypatch):
        (tmp_path / f"{module_name}.py").write_text(source, encoding="utf-8")
        dist_info = tmp_path / f"{module_name}-0.1.dist-info"
        dist_info.mkdir()
        name = module_name.replace("_", "-")
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        lines = "".join(f"{plugin} = {target}\n" for plugin, target in entry_points.items())
        (dist_info / "entry_points.txt").write_text(f"[{group}]\n{lines}")
        monkeypatch.syspath_prepend(str(tmp_path))
        yield
        sys.modules.pop(module_name, None)

    return installed_distribution
