"""A local stand-in for Google's sign-in endpoints, speaking their HTTP protocol.

It serves the ID-token signing certificates (GOOGLE_CERTS_URL) and the OAuth
token endpoint (GOOGLE_TOKEN_URL), and mints ID tokens signed with its own RSA
key, so the real google-auth verification code runs against it.
"""

import datetime
import time
from http.server import BaseHTTPRequestHandler

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt

from tests.fakes.servers import FakeHTTPService, JsonHandlerMixin

KEY_ID = "fake-google-key-1"


def _make_key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


class FakeGoogle(FakeHTTPService):
    """``start()``, then point GOOGLE_CERTS_URL at ``certs_url`` and GOOGLE_TOKEN_URL at ``token_url``."""

    def __init__(self, client_id="test-client.apps.googleusercontent.com"):
        self.client_id = client_id
        self.key_pem, self.cert_pem = _make_key_and_cert()
        self.signer = crypt.RSASigner.from_string(self.key_pem, key_id=KEY_ID)
        self.codes = {}
        self.token_requests = []
        self.token_status = None
        self._server = None

    # -- minting --------------------------------------------------------------
    def id_token(self, sub="1001", email="lea@example.com", name="Léa Dupont", **overrides):
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": self.client_id,
            "sub": sub,
            "email": email,
            "email_verified": True,
            "name": name,
            "picture": f"https://example.com/{sub}.png",
            "iat": now,
            "exp": now + 3600,
            **overrides,
        }
        claims = {key: value for key, value in claims.items() if value is not None}
        return google_jwt.encode(self.signer, claims).decode()

    def authorization_code(self, code="auth-code-1", refresh_token="google-refresh-1", **claims):
        """Register a code the token endpoint will exchange for these tokens."""
        self.codes[code] = {
            "access_token": f"google-access-for-{code}",
            "refresh_token": refresh_token,
            "expires_in": 3599,
            "scope": "openid email https://www.googleapis.com/auth/spreadsheets",
            "token_type": "Bearer",
            "id_token": self.id_token(**claims),
        }
        return code

    # -- serving --------------------------------------------------------------
    @property
    def certs_url(self):
        return self.base_url + "/oauth2/v1/certs"

    @property
    def token_url(self):
        return self.base_url + "/token"

    class Handler(JsonHandlerMixin, BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/oauth2/v1/certs"):
                self.send_json(200, {KEY_ID: self.fake.cert_pem})
            else:
                self.send_json(404, {"error": "not_found"})

        def do_POST(self):
            form = self.read_form()
            self.fake.token_requests.append(form)
            if self.fake.token_status is not None:
                self.send_json(self.fake.token_status, {"error": "backend_error"})
            elif self.path != "/token":
                self.send_json(404, {"error": "not_found"})
            elif form.get("grant_type") == "authorization_code" and form.get("code") in self.fake.codes:
                if form.get("client_id") != self.fake.client_id:
                    self.send_json(401, {"error": "invalid_client"})
                else:
                    self.send_json(200, self.fake.codes.pop(form["code"]))
            else:
                self.send_json(400, {"error": "invalid_grant", "error_description": "Bad Request"})
