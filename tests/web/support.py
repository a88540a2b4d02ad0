"""What the web tests share: an installation with two agencies and a child known to one of
them, a server on a free loopback port, and a tiny OpenID Connect provider."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from conftest import make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.gateway import parse_register_row
from fingerpost.service.records import Registration

COUNCIL, POLICE, HEALTH = "CSC-LDS", "POL-WY", "NHS-LTH"
# The child Leeds children's services works with (Priya Shah), and one a health visitor works
# with under a shield (a refuge).
CHILD = {"given_names": "Olivia", "family_name": "Harrison", "date_of_birth": "2015-06-07"}
SHIELDED = {"given_names": "Maya", "family_name": "Okonkwo", "date_of_birth": "2019-02-11"}
PRIYA = "priya.shah@leeds.example.org"


@contextmanager
def seeded_demo(settings: Settings, **update: Any) -> Iterator[Fingerpost]:
    """An installation with the demo sign-in and the seeded agencies and involvements; `update`
    overrides settings (e.g. cookie_secure=False for http://testserver)."""
    installation = bootstrap(settings.model_copy(update={"demo_sign_in": True, **update}))
    seed(installation)
    try:
        yield installation
    finally:
        installation.close()


def seed(fp: Fingerpost) -> None:
    fp.hub.import_agencies(
        Actor.system("OPS"),
        [
            make_agency(
                COUNCIL,
                name="Leeds children's services",
                authority_area="E08000035",
                out_of_hours_name="Emergency Duty Team, 24 hours",
            ),
            make_agency(POLICE, name="West Yorkshire Police", kind="police"),
            make_agency(
                HEALTH,
                name="Leeds community health",
                kind="health",
                duty_phone="0113 555 0100",
                duty_email="duty@health.example.org",
            ),
        ],
    )
    today = datetime.now(UTC).date()

    def register(agency: str, **fields: str) -> str:
        row = parse_register_row(make_register_row(**fields), today)
        encoded = fp.gateway.encode(row.child)
        outcome = fp.hub.register(
            Actor.system(agency), [Registration(row.local_ref, row.terms, encoded)]
        )
        return outcome.ids[0]

    register(COUNCIL, local_ref="LDS-0001", **CHILD, practitioner_email=PRIYA)
    shielded = register(
        HEALTH,
        local_ref="LTH-0042",
        **SHIELDED,
        involvement="health-visiting",
        practitioner_name="Hana Visitor",
        practitioner_email="hana.visitor@health.example.org",
    )
    fp.hub.shield(Actor.system(HEALTH), shielded, shielded=True, reason="child in a refuge")
    # The police register no child of their own: they enquire.
    register(POLICE, local_ref="WY-9", given_names="Noah", family_name="Patel",
             date_of_birth="2012-01-01", practitioner_name="DC Jo Patel",
             practitioner_email="jo.patel@police.example.org")  # fmt: skip


class SimulatedClock:
    """The installation's clock: the real time, unless a journey sets `at` (3 a.m., Christmas)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class FakeProvider:
    """An OpenID Connect provider of our own making, on loopback: discovery, an authorisation
    endpoint that signs the user in at once, a token endpoint that insists on the PKCE verifier,
    and its keys. `claims` are the ID token's; `tamper` lets a test spoil one part."""

    CLIENT_ID = "fingerpost-web"
    CLIENT_SECRET = "s3cret"

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.url = ""
        self.claims: dict[str, Any] = {}
        self.tamper: dict[str, Any] = {}  # e.g. {"nonce": "wrong"} in the next ID token
        self.requests: list[dict[str, str]] = []  # what the authorisation endpoint was sent
        self._codes: dict[str, dict[str, str]] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/jwks", self._jwks),
            ]
        )

    async def _discovery(self, _: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _authorize(self, request: Request) -> Response:
        asked = dict(request.query_params)
        self.requests.append(asked)
        code = secrets.token_urlsafe(16)
        self._codes[code] = asked
        back = {"code": code, "state": asked.get("state", "")}
        return RedirectResponse(f"{asked['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        asked = self._codes.pop(str(form.get("code")), None)
        if asked is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != asked.get("code_challenge"):
            return JSONResponse({"error": "invalid_grant", "why": "PKCE"}, status_code=400)
        now = datetime.now(UTC)
        claims = {
            "iss": self.url,
            "aud": self.CLIENT_ID,
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "nonce": asked.get("nonce", ""),
            **self.claims,
            **self.tamper,
        }
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        return JSONResponse(
            {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}
        )

    async def _jwks(self, _: Request) -> Response:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]})


AXE = Path(__file__).with_name("axe.min.js")
