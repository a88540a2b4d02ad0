"""Settings from the environment (prefix FINGERPOST_) or `.env`; see docs/configuration.md."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.policy import STRONG_AUTH_ACTIONS, EnquiryPolicy
from fingerpost.domain.values import parse_vocabulary
from fingerpost.domain.vocabulary import Role

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINGERPOST_", env_file=".env", extra="ignore")

    home: Path = Field(
        default=Path(".fingerpost"),
        description="Directory holding one installation: database, keys, logs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default: SQLite file `fingerpost.db` in home.",
    )
    host: str = Field(default="127.0.0.1", description="Address `fingerpost serve` listens on.")
    port: int = Field(
        default=8000, ge=1, le=65535, description="Port `fingerpost serve` listens on."
    )
    token_ttl_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="Lifetime of tokens from `fingerpost tokens create`.",
    )
    token_max_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description=(
            "Longest lifetime of a bearer token that is accepted (`exp` after `iat`, or after"
            " now): a longer-lived token is refused, however validly signed."
        ),
    )
    batch_size: int = Field(
        default=2000,
        ge=1,
        le=100_000,
        description="CSV rows committed per transaction by `register` and `enquire`.",
    )
    candidate_ranking: Literal["shared", "rarity"] = Field(
        default="shared",
        description=(
            "How an enquiry chooses the candidates it scores when more are reached than it"
            " scores: `shared` (those sharing the most blocking keys) or `rarity` (those sharing"
            " the rarest keys; docs/adr/0030)."
        ),
    )
    sqlite_cache_mib: int = Field(
        default=64,
        ge=2,
        le=4096,
        description=(
            "Page cache per SQLite connection, in MiB (used as needed, not reserved). Larger"
            " registers faster: the blocking-key index is written at random places."
        ),
    )
    encode_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description=(
            "Processes that parse and encode the rows of `register` and `enquire` files, the"
            " command's own included (it stores results meanwhile): 0 means one per CPU core,"
            " 1 does everything in the command's own process."
        ),
    )
    sync_max_end_share: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description=(
            "Share of an agency's open involvements one `sync` snapshot may end; above it the"
            " snapshot is refused (exit 2, nothing changed) unless `--allow-mass-end`."
        ),
    )
    sync_max_mib: int = Field(
        default=1024,
        ge=1,
        description="Largest snapshot `POST /api/v1/sync` accepts, in MiB (spooled to disk).",
    )
    limit_user_per_hour: int = Field(
        default=30,
        ge=1,
        description="Enquiries one user may make in an hour before further ones are refused (429).",
    )
    limit_agency_per_hour: int = Field(
        default=600,
        ge=1,
        description="Enquiries one agency may make in an hour before further ones are refused.",
    )
    alert_no_match_per_hour: int = Field(
        default=15,
        ge=1,
        description="A user's enquiries finding nobody within an hour that alert the agency's "
        "administrators (possible browsing).",
    )
    alert_out_of_hours_per_hour: int = Field(
        default=10,
        ge=1,
        description="A user's enquiries between 22:00 and 06:00 (UK time) within an hour that "
        "alert the agency's administrators.",
    )
    urgent_roles: str = Field(
        default="practitioner,agency-admin",
        description="Comma-separated roles that may make urgent (break-glass) enquiries.",
    )
    shield_override_roles: str = Field(
        default="agency-admin",
        description=(
            "Comma-separated roles that may see past another agency's shield, giving a reason"
            " (audited; the shielding agency is alerted)."
        ),
    )
    strong_auth_for: str = Field(
        default="urgent,shield,shield-override,batch",
        description=(
            "Actions that need strong (multi-factor) authentication, i.e. a token whose `acr`"
            " is one of FINGERPOST_STRONG_ACR: any of urgent, shield, shield-override,"
            " audit-read, batch. Empty: none."
        ),
    )
    strong_acr: str = Field(
        default="urn:fingerpost:acr:strong",
        description=(
            "Comma-separated `acr` values that count as strong authentication (e.g. your"
            " identity provider's multi-factor value)."
        ),
    )
    oidc_issuer: str = Field(
        default="",
        description=(
            "Issuer (`iss`) of your identity provider's access tokens. Empty: only the built-in"
            " development issuer's tokens (`fingerpost tokens create`) are accepted."
        ),
    )
    oidc_audience: str = Field(
        default="fingerpost", description="Audience (`aud`) your provider's tokens must carry."
    )
    oidc_jwks: str = Field(
        default="",
        description=(
            "Your provider's signing keys: a JWKS file path, or an https:// URL fetched and"
            " cached (keys are refetched when a token names an unknown `kid`)."
        ),
    )
    oidc_agency_claim: str = Field(
        default="agency", description="Claim holding the user's agency code."
    )
    oidc_role_claim: str = Field(
        default="role",
        description="Claim holding the user's role (a string, or a list: the first known role).",
    )
    oidc_algorithms: str = Field(
        default="RS256,ES256,PS256,EdDSA",
        description="Signature algorithms accepted from the provider (never `none` or HMAC).",
    )
    oidc_discovery_url: str = Field(
        default="",
        description=(
            "Web sign-in: the provider's OpenID configuration document; default: the issuer's"
            " `/.well-known/openid-configuration`."
        ),
    )
    oidc_client_id: str = Field(
        default="",
        description="Web sign-in: fingerpost's client id at the provider. Empty: no OIDC sign-in.",
    )
    oidc_client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Web sign-in: the client secret (empty for a public client: PKCE only).",
    )
    oidc_redirect_url: str = Field(
        default="",
        description=(
            "Web sign-in: the callback URL registered at the provider, e.g."
            " https://fingerpost.example.org/sign-in/callback. Default: built from the request."
        ),
    )
    oidc_scopes: str = Field(
        default="openid profile email",
        description="Web sign-in: scopes asked for (`openid` is required).",
    )
    demo_sign_in: bool = Field(
        default=False,
        description=(
            "Offer the demo sign-in page listing invented users, one per role and agency"
            " (`make demo` turns it on). Never in production."
        ),
    )
    cookie_secure: bool = Field(
        default=True,
        description="Session cookies only over HTTPS (turn off only for http://localhost).",
    )
    session_hours: int = Field(
        default=8,
        ge=1,
        le=24,
        description="How long a web sign-in lasts before the user signs in again.",
    )
    request_max_kib: int = Field(
        default=64,
        ge=1,
        le=64 * 1024,
        description=(
            "Largest request body accepted, in KiB, by every route but the web's register"
            " upload (FINGERPOST_UPLOAD_MAX_MIB): larger is refused with 413."
        ),
    )
    upload_max_mib: int = Field(
        default=50,
        ge=1,
        le=1024,
        description="Largest register CSV the web upload accepts, in MiB.",
    )
    fhir_max_entries: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most entries a FHIR Bundle may have (one request, one transaction).",
    )
    fhir_max_mib: int = Field(
        default=10,
        ge=1,
        le=1024,
        description="Largest FHIR request (Bundle or $match Parameters) accepted, in MiB.",
    )
    metrics: Literal["token", "port", "open"] = Field(
        default="token",
        description=(
            "Who may read the Prometheus metrics: `token` (an operator's bearer token at"
            " `/metrics`), `port` (served on FINGERPOST_METRICS_HOST:FINGERPOST_METRICS_PORT"
            " instead) or `open` (anyone at `/metrics`)."
        ),
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address of the metrics' own port (`metrics=port`)."
    )
    metrics_port: int = Field(
        default=9464, ge=1, le=65535, description="The metrics' own port (`metrics=port`)."
    )
    smtp_host: str = Field(
        default="",
        description="Mail server for notifications; empty keeps them in the inbox (API/CLI) only.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Mail server port.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with TLS.")
    smtp_username: str = Field(default="", description="SMTP login, if the server needs one.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_from: str = Field(
        default="fingerpost@localhost", description="Sender address of notification e-mails."
    )
    notification_channel: Literal["smtp", "govuk-notify"] = Field(
        default="smtp",
        description="How notifications are sent: `smtp` (the mail server above) or "
        "`govuk-notify` (GOV.UK Notify, with the FINGERPOST_GOVUK_NOTIFY_* settings).",
    )
    govuk_notify_api_key: SecretStr = Field(
        default=SecretStr(""), description="GOV.UK Notify API key (a team or live key)."
    )
    govuk_notify_base_url: str = Field(
        default="https://api.notifications.service.gov.uk",
        description="GOV.UK Notify API address (tests point it at a fake on loopback).",
    )
    govuk_notify_template_id: str = Field(
        default="",
        description="Id of the Notify e-mail template used for every message, with the "
        "placeholders ((subject)) and ((body)).",
    )
    govuk_notify_templates: str = Field(
        default="",
        description="Template ids by kind of message, overriding the one above: "
        "`enquiry=ID,link=ID,alert=ID,digest=ID` (any subset).",
    )
    govuk_notify_callback_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token GOV.UK Notify sends with delivery-status call-backs to "
        "`POST /api/v1/notify/status`; empty refuses every call-back.",
    )
    notify_digest: bool = Field(
        default=False,
        description="Hold enquiry and link notifications and send each practitioner one daily "
        "digest (alerts to administrators always go at once).",
    )
    deliver_every_seconds: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="How often `fingerpost serve` delivers the notification outbox.",
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    retention_months: int = Field(
        default=12,
        ge=0,
        le=120,
        description=(
            "Months an involvement is kept after its end date (in any case only until the child"
            " is 18, or 25 for a care leaver)."
        ),
    )
    gateway_batch_rows_per_day: int = Field(
        default=5_000,
        ge=0,
        le=1_000_000,
        description=(
            "At the hub: batch enquiries (rows) each gateway permitted to send them may send in"
            " a day (UTC); more are refused and audited (ADR 0034)."
        ),
    )
    hub_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description=(
            "At the hub: how long a gateway's registration and an agency's record, once read,"
            " are used without reading them again. A change made by the same process takes"
            " effect at once; one made by another (the command line, another hub worker) within"
            " this many seconds. 0: read them for every request (ADR 0043)."
        ),
    )
    expire_every_seconds: int = Field(
        default=3600,
        ge=60,
        le=86_400,
        description="How often `fingerpost serve` purges expired involvements.",
    )
    master_key: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "The master key wrapping the agencies' data keys, 64 hexadecimal characters. Empty:"
            " `keys/master.key` in the home (made on first use)."
        ),
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.resolve() / 'fingerpost.db'}"

    @property
    def token_ttl(self) -> timedelta:
        return timedelta(hours=self.token_ttl_hours)

    @property
    def token_max_lifetime(self) -> timedelta:
        return timedelta(hours=self.token_max_hours)

    @property
    def workers(self) -> int:
        """`encode_workers` with 0 resolved to the number of CPU cores."""
        return self.encode_workers or os.cpu_count() or 1

    @property
    def strong_acr_values(self) -> frozenset[str]:
        return frozenset(v.strip() for v in self.strong_acr.split(",") if v.strip())

    @property
    def policy(self) -> EnquiryPolicy:
        roles = frozenset(
            parse_vocabulary(Role, role, "urgent_roles")
            for role in self.urgent_roles.split(",")
            if role.strip()
        )
        override = frozenset(
            parse_vocabulary(Role, role, "shield_override_roles")
            for role in self.shield_override_roles.split(",")
            if role.strip()
        )
        strong = frozenset(a.strip() for a in self.strong_auth_for.split(",") if a.strip())
        unknown = sorted(strong - STRONG_AUTH_ACTIONS)
        if unknown:
            raise InvalidValue(
                f"strong_auth_for: unknown action(s) {', '.join(unknown)}"
                f" (choose from {', '.join(sorted(STRONG_AUTH_ACTIONS))})"
            )
        return EnquiryPolicy(
            per_user=self.limit_user_per_hour,
            per_agency=self.limit_agency_per_hour,
            no_match_alert=self.alert_no_match_per_hour,
            out_of_hours_alert=self.alert_out_of_hours_per_hour,
            urgent_roles=roles,
            override_roles=override,
            strong_auth_for=strong,
        )
