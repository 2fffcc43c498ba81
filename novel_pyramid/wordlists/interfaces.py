"""The word lists' service: the one writer of ``word_lists``."""

from zope.interface import Interface


class IWordListService(Interface):
    """Users' word lists and the global ones; every write joins the caller's transaction.

    A user sees their own lists and the global ones (``owner_user_id`` null);
    another user's list is ``NotFound``, as a missing one is, so nobody learns
    which ids exist. Global lists are read-only here (``Forbidden`` on a change);
    only ``install_default`` writes them.

    Entries become keys with ``novel_pyramid.pipeline.lemmas.entry_keys``: lower
    case, elision removed, the lemma; diacritics folded when the list's
    ``fold_diacritics`` says so (a text compared with the list must be keyed the
    same way). Bad input (no word, too many, an unreadable file or sheet) raises
    ``InvalidInput``/``PayloadTooLarge``/``Forbidden`` before anything is written.
    """

    def visible_to(user_id):
        """The lists ``user_id`` may read: the global default first, then the other global lists, then theirs,
        newest first."""

    def get_visible(user_id, wordlist_id):
        """The list, if ``user_id`` may read it (theirs or a global one); else ``NotFound``."""

    def get_own(user_id, wordlist_id):
        """The list, if ``user_id`` may change it: ``NotFound`` for a missing or another user's list,
        ``Forbidden`` for a global one."""

    def keys_of(wordlist):
        """The list's normalised keys, distinct, in the list's order (what coverage compares with a text's lemmas)."""

    def default_list():
        """The global default list (the shipped French 2K unless an administrator chose another), or None."""

    def global_lists():
        """Every global list, the default first, then the newest."""

    def global_stats():
        """``{total_global_wordlists, has_default, default_wordlist, all_global_wordlists}``."""

    def create(user_id, name, entries, *, source_type, source_ref=None, fold_diacritics=None):
        """A new list of ``user_id`` from raw ``entries`` (strings, or ``(line, text)`` pairs of a file).

        ``fold_diacritics`` None takes the setting ``wordlists.fold_diacritics``.
        Returns ``(wordlist, IngestionReport)``.
        """

    def create_from_upload(user_id, name, upload, *, fold_diacritics=None):
        """A new list from an uploaded CSV or text file (webob's FieldStorage): ``(wordlist, IngestionReport)``."""

    def create_from_sheet(user, name, sheet, *, fold_diacritics=None, include_header=True):
        """A new list from the first tab of a Google spreadsheet (its URL or id), read with ``user``'s grant."""

    def rename(user_id, wordlist_id, name):
        """Give the user's own list a new name; returns it."""

    def delete(user_id, wordlist_id):
        """Delete the user's own list; their settings' ``default_wordlist_id`` forgets it (runs keep their keys)."""

    def refresh(user, wordlist_id, *, include_header=True):
        """Read the list's Google spreadsheet again and replace its keys: ``(wordlist, refresh_report)``.

        A list that was not made from a sheet has nothing to read again (``Conflict``).
        """

    def install_default(shipped):
        """Install or update the global default list from ``shipped`` (a ``ShippedList``).

        Idempotent: a default of the same or a newer version is left alone. Safe
        when several processes run it at once: the one-default index lets one
        insert win and the others find it. Returns ``(wordlist, what)`` with
        ``what`` one of ``"installed"``, ``"updated"``, ``"unchanged"``.
        """
