"""What a Socket.IO client sends: the payloads of ``join_job`` and ``leave_job``.

Keys the frontend may add later are ignored, not refused: a browser cannot
be told apart from an older or newer build of itself mid-session.
"""

import colander

from novel_pyramid.schema.types import string_node

# An access token is a few hundred characters; far longer is not one.
MAX_TOKEN_LENGTH = 4096


class JoinJob(colander.MappingSchema):
    job_id = string_node(max_length=64)
    token = string_node(max_length=MAX_TOKEN_LENGTH)


class LeaveJob(colander.MappingSchema):
    job_id = string_node(max_length=64)
