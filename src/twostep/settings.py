"""Settings: where the data lives and the knobs an operator may turn. Read once, by bootstrap and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from twostep.notify.smtp import SmtpSettings
from twostep.throttling import Throttling

DATABASE_FILE = "twostep.db"
KEY_FILE = "keys.json"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url_override: str | None = None
    issuer: str = "twostep"
    mfa_throttle: Throttling = field(default_factory=Throttling)
    # A file holding a number of seconds added to the system clock: lets end-to-end tests move the server's
    # time (code windows, STS expiry) without touching the machine's clock. Never set in production.
    clock_offset_file: Path | None = None
    # Mail to account owners (S17): None unless TWOSTEP_SMTP_HOST is set (see notify/smtp.py for the others).
    smtp: SmtpSettings | None = None
    # S13: the console answers a submitted password or code no sooner than this many seconds after it arrived,
    # so unknown user, wrong password, wrong code and throttled attempts take the same time (console/endpoints.py).
    signin_answer_floor: float = 0.25
    # Proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto headers are believed (forwarded.py): none
    # unless the operator names them (`serve --trusted-proxy CIDR`, TWOSTEP_TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()
    # Passkeys (docs/passkeys.md): the WebAuthn RP ID (`--rp-id`, TWOSTEP_RP_ID) and the console's public URLs
    # (`--public-url`, TWOSTEP_PUBLIC_URL), whose origins alone may use passkeys. Unset: the host the browser used.
    rp_id: str | None = None
    public_urls: tuple[str, ...] = ()
    # Watching it run (docs/deploy.md): Prometheus metrics at /metrics on the main port (`--metrics`,
    # TWOSTEP_METRICS=on) and/or on a port of their own (`--metrics-port`, TWOSTEP_METRICS_PORT); the log's format
    # (`--log-format json`, TWOSTEP_LOG_FORMAT: one JSON line per request). All off by default.
    metrics: bool = False
    metrics_port: int | None = None
    log_format: str = "text"

    @property
    def observed(self) -> bool:
        """Whether requests are recorded at all (metrics or JSON logs)."""
        return self.metrics or self.metrics_port is not None or self.log_format == "json"

    # S33: seconds between the server's signed checkpoints of the audit heads (audit/checkpoints.py), written to
    # audit-checkpoints.jsonl and the log; also when it stops (`--audit-checkpoint-interval`,
    # TWOSTEP_AUDIT_CHECKPOINT_INTERVAL).
    audit_checkpoint_interval: float = 60.0

    @property
    def database_url(self) -> str:
        return self.database_url_override or f"sqlite:///{self.data_dir / DATABASE_FILE}"

    @property
    def key_file(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_environment(cls, data_dir: Path, database_url: str | None = None) -> Settings:
        """Command-line values win; TWOSTEP_* environment variables fill in the rest."""
        env = os.environ
        throttle = Throttling(
            max_failures=int(env.get("TWOSTEP_MFA_MAX_FAILURES", "10")),
            base_delay=float(env.get("TWOSTEP_MFA_BASE_DELAY", "1.0")),
            max_delay=float(env.get("TWOSTEP_MFA_MAX_DELAY", "300")),
        )
        clock_file = env.get("TWOSTEP_TEST_CLOCK_OFFSET_FILE")
        return cls(
            data_dir=data_dir,
            database_url_override=database_url or env.get("TWOSTEP_DATABASE_URL") or None,
            issuer=env.get("TWOSTEP_ISSUER", "twostep"),
            mfa_throttle=throttle,
            clock_offset_file=Path(clock_file) if clock_file else None,
            smtp=SmtpSettings.from_environment(env),
            signin_answer_floor=float(env.get("TWOSTEP_SIGNIN_ANSWER_FLOOR", "0.25")),
            trusted_proxies=tuple(env.get("TWOSTEP_TRUSTED_PROXIES", "").replace(",", " ").split()),
            rp_id=env.get("TWOSTEP_RP_ID") or None,
            public_urls=tuple(env.get("TWOSTEP_PUBLIC_URL", "").replace(",", " ").split()),
            metrics=env.get("TWOSTEP_METRICS", "off").lower() in ("on", "true", "1", "yes"),
            metrics_port=int(env["TWOSTEP_METRICS_PORT"]) if env.get("TWOSTEP_METRICS_PORT") else None,
            log_format=env.get("TWOSTEP_LOG_FORMAT", "text"),
            audit_checkpoint_interval=float(env.get("TWOSTEP_AUDIT_CHECKPOINT_INTERVAL", "60")),
        )
