"""v2 sign-in sessions: list them, sign one out, sign out everywhere.

``GET    /auth/sessions``       the caller's active sessions, the current one marked;
``DELETE /auth/sessions/{id}``  sign one out (204); someone else's session is 404;
``POST   /auth/logout-all``     sign out every session of the caller, this one included.

An access token names its session and the security policy checks the session
on every request, so a signed-out session's access tokens stop working at once,
not when they expire.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.v2.schemas import UuidPath
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.auth.interfaces import ISessionService
from novel_pyramid.db.types import isoformat
from novel_pyramid.errors import NotFound
from novel_pyramid.schema.types import EmptyQuery, NoInputRequest

sessions = api_service("v2.auth.sessions", "/auth/sessions")
session_entry = api_service("v2.auth.session", "/auth/sessions/{id}")
logout_all = api_service("v2.auth.logout_all", "/auth/logout-all")

SERVICES = (sessions, session_entry, logout_all)


class SessionEntryRequest(colander.MappingSchema):
    path = UuidPath()
    querystring = EmptyQuery(missing={})


def session_json(session, current_session_id):
    return {
        "id": session.id,
        "created_at": isoformat(session.created_at),
        "last_used_at": isoformat(session.last_used_at),
        "expires_at": isoformat(session.expires_at),
        "user_agent": session.user_agent,
        "ip_address": session.ip_address,
        "current": session.id == current_session_id,
    }


@sessions.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(colander_validator,))
def list_sessions(request):
    identity = request.identity
    active = request.find_service(ISessionService).active_sessions(identity.id)
    return {"sessions": [session_json(session, identity.session_id) for session in active]}


@session_entry.delete(permission=AUTHENTICATED, schema=SessionEntryRequest(), validators=(colander_validator,))
def revoke_session(request):
    service = request.find_service(ISessionService)
    session_id = request.validated["path"]["id"]
    # Only the caller's own active sessions exist for them: anything else is 404,
    # so the answer never tells whether another user's session id is real.
    if session_id not in {session.id for session in service.active_sessions(request.identity.id)}:
        raise NotFound("No such session")
    service.revoke(session_id, reason="revoked_by_user")
    response = request.response
    response.status_int = 204
    response.content_type = None  # No body, so no type either.
    return response


@logout_all.post(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(colander_validator,))
def sign_out_everywhere(request):
    revoked = request.find_service(ISessionService).revoke_all(request.identity.id)
    return {"message": "Signed out of every session", "revoked_sessions": revoked}
