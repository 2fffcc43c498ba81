"""Structured logging: JSON lines outside development, request id and user on every line."""

from pyramid.tweens import INGRESS

from novel_pyramid.logging.context import install_record_factory
from novel_pyramid.logging.setup import configure_logging


def includeme(config):
    settings = config.get_settings()
    install_record_factory()
    if not settings["log.keep_handlers"]:
        configure_logging(settings["log.level"], settings["log.format"])
    # Outermost, so the id and the timing cover everything else, errors included.
    config.add_tween("novel_pyramid.logging.tweens.request_logging_tween_factory", under=INGRESS)
