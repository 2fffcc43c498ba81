"""Word lists: the user's own and the global ones (the shipped French 2K), as normalised keys.

``IWordListService`` is the one writer of ``word_lists``; the coverage runs read
lists through it (``visible_to``, ``get_visible``, ``keys_of``, ``default_list``)
and show them with ``serializers.wordlist_json``.
"""

from novel_pyramid.wordlists.interfaces import IWordListService
from novel_pyramid.wordlists.services import WordListService


def includeme(config):
    config.register_service_factory(WordListService.create_service, IWordListService)
