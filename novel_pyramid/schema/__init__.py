"""Colander building blocks shared by the API and the exporter plugins.

The types in ``novel_pyramid.schema.types`` validate JSON strictly (a number is
not a string). They live below ``api`` so that a plugin's option schema
(``novel_pyramid.exporters``) can use them without importing the API, which
itself imports the plugins. This package imports nothing of the application.
"""
