"""Render and lint the chart with Helm's own library (helm-python-sdk), no helm binary and no cluster."""

import pathlib
from collections.abc import Iterator
from typing import Any

import helm_python
import pytest
import yaml

CHART = pathlib.Path(__file__).parents[2] / "helm" / "novel-pyramid"
RELEASE = "novels"
NAMESPACE = "books"


@pytest.fixture(scope="session")
def chart() -> Iterator[helm_python.Chart]:
    with helm_python.Chart.load(CHART) as loaded:
        yield loaded


def render(chart: helm_python.Chart, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders (NOTES.txt aside), as an upgrade-time install would."""
    rendered = chart.render(values=values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def notes(chart: helm_python.Chart, values: dict[str, Any] | None = None) -> str:
    rendered = chart.render(values=values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))
