"""How users and settings look on the wire (API v1)."""

from novel_pyramid.db.types import isoformat


def user_json(user):
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "picture": user.picture,
        "created_at": isoformat(user.created_at),
        "last_login": isoformat(user.last_login),
    }


def settings_json(settings):
    return {
        "sentence_length_limit": settings.sentence_length_limit,
        "default_folder_id": settings.default_folder_id,
        "default_sheet_name_pattern": settings.default_sheet_name_pattern,
        "default_wordlist_id": settings.default_wordlist_id,
        "updated_at": isoformat(settings.updated_at),
    }
