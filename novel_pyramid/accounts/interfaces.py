"""The accounts subsystem's service, the one writer of ``users`` and ``user_settings``."""

from zope.interface import Interface


class IAccountService(Interface):
    """Users, their settings and their stored Google grant.

    Writes join the caller's transaction, except ``forget_revoked_google_grant``,
    which commits apart from it (``db.own_transaction``).
    """

    def sign_in_with_google(claims, oauth_tokens=None):
        """Find or create the user a verified Google identity names, record the sign-in and the OAuth tokens."""

    def sign_in_for_development(email):
        """Find or create the user of ``email`` (development sign-in) and record the sign-in."""

    def settings_of(user):
        """The settings of ``user`` (anything with an ``id``) as a ``SettingsSnapshot``, defaults if never saved."""

    def update_settings(user, changes):
        """Apply ``changes`` (field: value) to the user's settings row, creating it; return the row."""

    def save_refreshed_google_tokens(user, access_token, expiry, refresh_token):
        """Copy a Google token that was refreshed during an export to the user row."""

    def forget_revoked_google_grant(user):
        """Clear the user's Google tokens that Google refused for good, committed apart from the caller.

        The caller's transaction ends in a 403 and is rolled back; the tokens are
        cleared only if they are still the refused ones.
        """
