"""A third-party distribution written on the fly, as ``pip install`` would leave it, for plugin tests."""

import sys


def install_distribution(directory, monkeypatch, module_name, source, group, entry_points):
    """Write ``module_name`` and a ``*.dist-info`` declaring ``entry_points`` ({name: "module:attr"}) in ``group``.

    The directory goes on ``sys.path`` for this test only, so ``importlib.metadata``
    finds the entry points exactly as it finds an installed package's.
    """
    (directory / f"{module_name}.py").write_text(source, encoding="utf-8")
    dist_info = directory / f"{module_name}-0.1.dist-info"
    dist_info.mkdir()
    name = module_name.replace("_", "-")
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = "".join(f"{plugin} = {target}\n" for plugin, target in entry_points.items())
    (dist_info / "entry_points.txt").write_text(f"[{group}]\n{lines}")
    monkeypatch.syspath_prepend(str(directory))


def uninstall_module(module_name):
    sys.modules.pop(module_name, None)
