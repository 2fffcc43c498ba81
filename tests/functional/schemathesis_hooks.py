"""Schemathesis hooks for the fuzz run of the CLI (``SCHEMATHESIS_HOOKS``): a fresh sign-in when needed.

Operations such as ``/auth/logout`` sign the session out; the CLI then gets a
401 and asks for a new token (``retry_on``), which is a development sign-in
against the server under test.
"""

import os

import requests
import schemathesis

BASE_URL_VARIABLE = "NOVEL_FUZZ_BASE_URL"


@schemathesis.auth(refresh_interval=60, retry_on=[401])
class DevelopmentSignIn:
    def get(self, case, context):
        answer = requests.post(
            f"{os.environ[BASE_URL_VARIABLE]}/api/v1/auth/dev-login", json={"email": "fuzz@example.com"}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
