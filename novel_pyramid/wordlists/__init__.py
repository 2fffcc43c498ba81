"""Word lists: the user's own and the global ones (the shipped French 2K), as normalised keys.

``IWordListService`` is the one writer of ``word_lists``; the coverage runs read
lists through it (``visible_to``, ``get_visible``, ``keys_of``, ``default_list``)
and show them with ``serializers.wordlist_json``.

The shipped default list is installed by ``novel-pyramid db upgrade`` (after
the migrations: one process per deployment, before any web or worker process
starts), and at start-up only where the start-up migrates too
(``database.auto_migrate``, development). Either way the install is
idempotent and safe when two processes run it at once (``defaults``).
"""

from novel_pyramid.db import own_transaction
from novel_pyramid.wordlists.defaults import install_default, shipped_default
from novel_pyramid.wordlists.interfaces import IWordListService
from novel_pyramid.wordlists.services import WordListService


def includeme(config):
    config.register_service_factory(WordListService.create_service, IWordListService)
    settings = config.get_settings()
    if settings["database.auto_migrate"]:
        with own_transaction(config.registry["db.session_factory"]) as (_, session):
            install_default(session, shipped_default())
