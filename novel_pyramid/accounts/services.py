"""Users and their settings: sign-in bookkeeping, the sentence length limit and export defaults."""

import datetime
from dataclasses import dataclass

from sqlalchemy import select, update
from zope.interface import implementer

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.models import DEFAULT_SENTENCE_LENGTH_LIMIT, User, UserSettings
from novel_pyramid.cache.services import CachedReadService
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Forbidden


def settings_key(user_id):
    """The cache key of the user's settings; the version changes with the shape of the value."""
    return f"accounts.settings.v2:{int(user_id)}"


def stale_keys_of_settings(settings):
    """The cached values a change of a ``user_settings`` row makes stale."""
    return (settings_key(settings.user_id),)


@dataclass(frozen=True)
class SettingsSnapshot:
    """A user's settings as read (possibly from the cache): plain values, no session attached."""

    sentence_length_limit: int
    updated_at: datetime.datetime | None
    default_folder_id: str | None = None
    default_sheet_name_pattern: str | None = None
    default_wordlist_id: int | None = None


# The columns a snapshot is read from; the cache stores them as JSON.
SNAPSHOT_COLUMNS = (
    UserSettings.sentence_length_limit,
    UserSettings.updated_at,
    UserSettings.default_folder_id,
    UserSettings.default_sheet_name_pattern,
    UserSettings.default_wordlist_id,
)


def _settings_row_as_data(row):
    if row is None:
        return {"sentence_length_limit": DEFAULT_SENTENCE_LENGTH_LIMIT, "updated_at": None}
    data = row._asdict()
    data["updated_at"] = row.updated_at.isoformat() if row.updated_at else None
    return data


def _snapshot_from_data(data):
    updated_at = data.pop("updated_at")
    return SettingsSnapshot(
        updated_at=datetime.datetime.fromisoformat(updated_at) if updated_at else None,
        **data,
    )


@implementer(IAccountService)
class AccountService(CachedReadService):
    def __init__(self, dbsession=None, cache=None, request=None, session_factory=None):
        super().__init__(dbsession, cache, request)
        self._session_factory = session_factory

    @property
    def session_factory(self):
        """Where a write that commits apart from the caller opens its session."""
        if self._session_factory is None:
            self._session_factory = self._request.registry["db.session_factory"]
        return self._session_factory

    def sign_in_with_google(self, claims, oauth_tokens=None):
        """Find or create the user a verified Google identity names, and record the sign-in."""
        user = self.db.scalar(select(User).where(User.google_id == claims["sub"]))
        if user is None:
            # Accounts made before Google ids were stored are matched by email.
            user = self.db.scalar(select(User).where(User.email == claims["email"]))
        if user is None:
            user = User(email=claims["email"], is_active=True, created_at=utcnow())
            self.db.add(user)
        if not user.is_active:
            raise Forbidden("This account is disabled")
        user.google_id = claims["sub"]
        user.email = claims["email"]
        user.name = claims.get("name") or user.name
        user.picture = claims.get("picture") or user.picture
        user.last_login = utcnow()
        if oauth_tokens and oauth_tokens.get("access_token"):
            user.google_access_token = oauth_tokens["access_token"]
            user.google_token_expiry = oauth_tokens.get("expiry")
            # Google sends a refresh token only on first consent: keep the old one otherwise.
            if oauth_tokens.get("refresh_token"):
                user.google_refresh_token = oauth_tokens["refresh_token"]
        self.db.flush()
        return user

    def sign_in_for_development(self, email):
        user = self.db.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=email.split("@")[0], is_active=True, created_at=utcnow())
            self.db.add(user)
        if not user.is_active:
            raise Forbidden("This account is disabled")
        user.last_login = utcnow()
        self.db.flush()
        return user

    def settings_of(self, user):
        """Cached; every write of the row (``update_settings``, or any other ORM flush)
        forgets the cached copy once its transaction commits (novel_pyramid.cache).
        """
        data = self.cache.get_or_create(
            settings_key(user.id),
            lambda: _settings_row_as_data(
                self.db.execute(select(*SNAPSHOT_COLUMNS).where(UserSettings.user_id == user.id)).first()
            ),
        )
        return _snapshot_from_data(dict(data))

    def update_settings(self, user, changes):
        # Writes start from the row itself, never from the cached copy.
        settings = self.db.scalar(select(UserSettings).where(UserSettings.user_id == user.id))
        if settings is None:
            settings = UserSettings(user_id=user.id, sentence_length_limit=DEFAULT_SENTENCE_LENGTH_LIMIT)
            self.db.add(settings)
        for name, value in changes.items():
            setattr(settings, name, value)
        settings.updated_at = utcnow()
        self.db.flush()
        return settings

    @staticmethod
    def save_refreshed_google_tokens(user, access_token, expiry, refresh_token):
        # Saved with the caller's transaction, as the user row is the caller's.
        if access_token and access_token != user.google_access_token:
            user.google_access_token = access_token
            user.google_token_expiry = expiry
        # Google rarely rotates refresh tokens, but when it does the old one stops working.
        if refresh_token and refresh_token != user.google_refresh_token:
            user.google_refresh_token = refresh_token

    def forget_revoked_google_grant(self, user):
        # A sign-in that stored new tokens meanwhile keeps them: only the refused ones are cleared.
        refused = {
            "google_access_token": user.google_access_token,
            "google_refresh_token": user.google_refresh_token,
        }
        with own_transaction(self.session_factory) as (_, db):
            db.execute(
                update(User)
                .where(
                    User.id == user.id,
                    *(getattr(User, name).is_not_distinct_from(value) for name, value in refused.items()),
                )
                .values(google_access_token=None, google_refresh_token=None, google_token_expiry=None)
            )
