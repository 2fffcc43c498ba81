"""Kopf operator for novel_pyramid: one ``NovelTool`` resource runs the whole service.

The package is deliberately not called ``operator``: that name would shadow the
standard library module of the same name for everything imported after it.
"""
