"""``/v1/auth``: two-step sign-in, email verification, password reset and email change.

Routes that refuse with bookkeeping to keep (throttle counters, audit rows) return the refusal
instead of raising it, like ``/v1/auth/login``, so the unit of work commits it.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from hp_agent.api.deps import DbSession
from hp_agent.api.errors import error_body
from hp_agent.auth import links, mfa
from hp_agent.auth.dependencies import AppSettings, Client, CurrentAuth, EnrollingAuth
from hp_agent.auth.schemas import TokenOut
from hp_agent.auth.security_schemas import (
    AcceptedOut,
    EmailChangeIn,
    LinkTokenIn,
    MfaCodeIn,
    MfaDisableIn,
    MfaEnrollOut,
    MfaLoginIn,
    MfaStatusOut,
    RecoveryCodesOut,
    ResetConfirmIn,
    ResetRequestIn,
    VerifiedOut,
)
from hp_agent.users import repository as users_repo

router = APIRouter(prefix="/v1/auth", tags=["auth"])

RESET_ACCEPTED = (
    "If an account uses this address, a link to reset its password is on its way. "
    "It works once and expires within the hour."
)


def _rejection(rejected: mfa.Rejected) -> JSONResponse:
    error = rejected.error
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if rejected.retry_after is not None:
        headers["Retry-After"] = str(rejected.retry_after)
    return JSONResponse(
        error_body(error.code, error.message, error.details), status_code=error.status_code, headers=headers
    )


# -- two-step sign-in -----------------------------------------------------------------------------


@router.post("/login/mfa", response_model=TokenOut, responses={401: {}, 429: {}})
async def login_second_factor(
    body: MfaLoginIn, db: DbSession, client: Client, settings: AppSettings, response: Response
) -> TokenOut | JSONResponse:
    """Second step of sign-in: the ``mfa_token`` from ``/login`` with a code or a recovery code."""
    result = await mfa.complete_login(db, body.mfa_token, body.code, body.recovery_code, client, settings)
    if isinstance(result, mfa.Rejected):
        return _rejection(result)
    response.headers["Cache-Control"] = "no-store"
    return result


@router.get("/mfa", response_model=MfaStatusOut)
async def mfa_status(auth: EnrollingAuth, db: DbSession, settings: AppSettings) -> MfaStatusOut:
    return await mfa.status(db, auth.principal, settings)


@router.post("/mfa/totp", response_model=MfaEnrollOut, status_code=status.HTTP_201_CREATED)
async def mfa_enroll(auth: EnrollingAuth, db: DbSession, response: Response) -> MfaEnrollOut:
    """A new authenticator secret; it is on only once confirmed with a code."""
    assert auth.principal.user_id is not None
    user = await users_repo.get_user(db, auth.principal.user_id)
    assert user is not None
    response.headers["Cache-Control"] = "no-store"
    return await mfa.start_enrollment(db, auth.principal, user.email)


@router.post("/mfa/totp/confirm", response_model=RecoveryCodesOut, responses={404: {}, 409: {}, 422: {}})
async def mfa_confirm(
    body: MfaCodeIn,
    auth: EnrollingAuth,
    db: DbSession,
    client: Client,
    settings: AppSettings,
    response: Response,
) -> RecoveryCodesOut:
    """Turn two-step sign-in on. The recovery codes are shown this once; a restricted session
    becomes a full one."""
    codes = await mfa.confirm_enrollment(db, auth.principal, body.code, client, settings)
    response.headers["Cache-Control"] = "no-store"
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/mfa/recovery-codes", response_model=RecoveryCodesOut, responses={401: {}, 404: {}, 429: {}})
async def mfa_new_recovery_codes(
    body: MfaCodeIn,
    auth: CurrentAuth,
    db: DbSession,
    client: Client,
    settings: AppSettings,
    response: Response,
) -> RecoveryCodesOut | JSONResponse:
    result = await mfa.regenerate_recovery_codes(db, auth.principal, body.code, client, settings)
    if isinstance(result, mfa.Rejected):
        return _rejection(result)
    response.headers["Cache-Control"] = "no-store"
    return RecoveryCodesOut(recovery_codes=result)


@router.post("/mfa/disable", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}, 404: {}, 429: {}})
async def mfa_disable(
    body: MfaDisableIn, auth: CurrentAuth, db: DbSession, client: Client, settings: AppSettings
) -> Response:
    """Turn two-step sign-in off (password and a code). Clinicians and admins are then back to a
    restricted session until they enrol again."""
    result = await mfa.disable(
        db, auth.principal, body.password, body.code, body.recovery_code, client, settings
    )
    if isinstance(result, mfa.Rejected):
        return _rejection(result)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- email verification and change ----------------------------------------------------------------


@router.post("/verify-email", response_model=VerifiedOut, responses={400: {}, 409: {}, 410: {}})
async def verify_email(body: LinkTokenIn, db: DbSession, client: Client) -> VerifiedOut:
    """Open a verification link (no sign-in needed: the link is the proof)."""
    user = await links.verify(db, body.token, client)
    return VerifiedOut(email=user.email, email_verified=True)


@router.post("/verify-email/resend", response_model=AcceptedOut, status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(auth: EnrollingAuth, db: DbSession, settings: AppSettings) -> AcceptedOut:
    assert auth.principal.user_id is not None
    user = await users_repo.get_user(db, auth.principal.user_id)
    assert user is not None
    if user.email_verified_at is None:
        await links.send_verification(db, user, settings)
    return AcceptedOut(detail="If your address is not verified yet, a new link is on its way.")


@router.post("/email-change", response_model=AcceptedOut, status_code=status.HTTP_202_ACCEPTED)
async def change_email(
    body: EmailChangeIn, auth: CurrentAuth, db: DbSession, client: Client, settings: AppSettings
) -> AcceptedOut:
    """Ask to move the account to another address: it changes when the link sent there is opened."""
    await links.request_email_change(db, auth.principal, body.email, body.password, client, settings)
    return AcceptedOut(detail="Open the link we sent to the new address to finish the change.")


# -- password reset -------------------------------------------------------------------------------


@router.post("/password-reset", response_model=AcceptedOut, status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: ResetRequestIn, db: DbSession, client: Client, settings: AppSettings
) -> AcceptedOut:
    """The same answer whether or not the address has an account."""
    await links.request_reset(db, body.email, client, settings)
    return AcceptedOut(detail=RESET_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={400: {}, 410: {}, 422: {}},
)
async def confirm_password_reset(body: ResetConfirmIn, db: DbSession, client: Client) -> None:
    """Set a new password with the emailed link; every device is signed out."""
    await links.confirm_reset(db, body.token, body.password, client)
