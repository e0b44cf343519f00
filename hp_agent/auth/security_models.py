"""Sign-in security state: a person's TOTP factor, their recovery codes, and emailed link tokens.

Secrets are never stored usable: the TOTP secret is encrypted (AES-GCM, ``hp_agent/db/crypto.py``),
recovery codes and link tokens are stored as keyed digests (``hp_agent/auth/tokens.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CHAR, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, CreatedAt, Timestamps, UUIDPk, rls
from hp_agent.db.crypto import EncryptedText


class MfaFactor(UUIDPk, Timestamps, Base):
    """One TOTP authenticator per person; unconfirmed until a code from it has been entered."""

    __tablename__ = "mfa_factors"
    __table_args__ = (rls(therapist_read=False),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedText)
    confirmed_at: Mapped[dt.datetime | None]
    # The 30-second step of the last accepted code: a code is accepted once (RFC 6238 section 5.2).
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class MfaRecoveryCode(UUIDPk, CreatedAt, Base):
    """A single-use recovery code, shown once at enrolment; only its keyed digest is kept."""

    __tablename__ = "mfa_recovery_codes"
    __table_args__ = (
        UniqueConstraint("user_id", "code_hash"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(CHAR(64))
    used_at: Mapped[dt.datetime | None]


class AuthEmailToken(UUIDPk, CreatedAt, Base):
    """A single-use, expiring link sent by email: verify an address, or reset a password."""

    __tablename__ = "auth_email_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose_known"),
        Index("ix_auth_email_tokens_user_id_purpose", "user_id", "purpose"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    # The address the link was sent to; for verification, the address it proves (an email change
    # takes effect only when the new address's link is opened).
    email: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
