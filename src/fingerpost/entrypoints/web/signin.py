"""Ways to sign in: an agency's OpenID Connect provider (authorisation code flow with PKCE, state
and nonce, by Authlib), and in demo mode a list of invented users."""

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import Request

from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.vocabulary import Role

__all__ = ["DEMO_DOMAIN", "OidcSignIn", "SignInFailed", "demo_users"]

DEMO_DOMAIN = "demo.invalid"  # no real address: `.invalid` is reserved (RFC 2606)


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used; the user is asked to try again."""


def demo_users(fp: Fingerpost) -> list[Actor]:
    """One invented user per role and agency: each agency's practitioner is the one its register
    names first (so that their notifications arrive), with an administrator beside them; one
    auditor and one operator for the whole service."""
    agencies = []
    users: list[Actor] = []
    for agency in fp.hub.agencies():
        try:
            registered = fp.hub.list_involvements(Actor.system(agency.code), limit=1)
        except PermissionDenied:  # a gateway offers only the agencies it acts for (ADR 0032)
            continue
        agencies.append(agency)
        if registered:
            person = registered[0].terms.practitioner
            users.append(
                Actor(
                    subject=(person.email or person.name).lower(),
                    name=person.name,
                    agency=agency.code,
                    role=Role.PRACTITIONER,
                    email=person.email,
                    phone=person.phone,
                    strong_auth=True,
                )
            )
        users.append(
            Actor(
                subject=f"admin.{agency.code.lower()}@{DEMO_DOMAIN}",
                name=f"{agency.name} administrator",
                agency=agency.code,
                role=Role.AGENCY_ADMIN,
                email=f"admin.{agency.code.lower()}@{DEMO_DOMAIN}",
                phone=agency.duty_phone,
                strong_auth=True,
            )
        )
    if agencies:
        home = agencies[0].code
        for role, name in ((Role.AUDITOR, "Ali Reed"), (Role.OPERATOR, "Morgan Lee")):
            email = f"{name.lower().replace(' ', '.')}@{DEMO_DOMAIN}"
            users.append(Actor(email, name, home, role, email, strong_auth=True))
    return users


class OidcSignIn:
    """The authorisation code flow against the configured provider (FINGERPOST_OIDC_*)."""

    NAME = "agency"

    def __init__(self, fp: Fingerpost) -> None:
        settings = fp.settings
        self._fp = fp
        self._redirect = settings.oidc_redirect_url
        discovery = settings.oidc_discovery_url or (
            settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        self._oauth = OAuth()
        self._oauth.register(
            self.NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value() or None,
            server_metadata_url=discovery,
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
        )

    @staticmethod
    def configured(fp: Fingerpost) -> bool:
        settings = fp.settings
        return bool(
            settings.oidc_client_id and (settings.oidc_issuer or settings.oidc_discovery_url)
        )

    def _client(self) -> Any:
        return self._oauth.create_client(self.NAME)

    async def redirect(self, request: Request) -> Any:
        """Send the browser to the provider (state, nonce and the PKCE verifier go in the
        session, where the callback finds them)."""
        redirect = self._redirect or str(request.url_for("sign_in_callback"))
        try:
            return await self._client().authorize_redirect(request, redirect)
        except (OAuthError, OSError, ValueError) as error:
            raise SignInFailed(type(error).__name__) from None

    async def callback(self, request: Request) -> Actor:
        """The user the provider vouches for: the code is exchanged with the PKCE verifier, the
        ID token's signature, issuer, audience, expiry and nonce checked."""
        try:
            token = await self._client().authorize_access_token(request)
            claims = dict(token.get("userinfo") or {})
            if not claims:
                raise SignInFailed("no ID token")
            settings = self._fp.settings
            return self._fp.tokens.actor_of(
                claims,
                agency_claim=settings.oidc_agency_claim,
                role_claim=settings.oidc_role_claim,
            )
        except SignInFailed:
            raise
        # Authlib and the JOSE library beneath it raise their own errors for each check (state,
        # code, signature, nonce, claims): whichever fails, nobody is signed in.
        except Exception as error:  # noqa: BLE001
            raise SignInFailed(type(error).__name__) from None
