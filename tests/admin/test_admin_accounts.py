"""Accounts for administrators: search, role changes, second-factor reset, through the API and
the SECURITY DEFINER functions of migration 0022; every change audited, bad input refused with
nothing changed, and the functions refuse anyone but an administrator."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hp_agent.auth.security_models import MfaFactor, MfaRecoveryCode
from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import User, UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient

_FUNCTIONS = (
    "app_admin_users(text, text, text, integer, integer)",
    "app_admin_set_user_role(uuid, text)",
    "app_admin_set_user_status(uuid, text)",
    "app_admin_reset_mfa(uuid)",
    "app_archive_audit(boolean, integer)",
)


async def _admin(client: httpx.AsyncClient, app_db: Database) -> tuple[uuid.UUID, dict[str, str]]:
    uid, token = await Care(client, app_db).user(UserRole.admin)
    return uid, auth(token)


async def _email(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return str((await client.get("/v1/me", headers=headers)).json()["email"])


async def test_only_admins_reach_accounts(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    some = uuid.uuid4()
    for method, path, body in (
        ("GET", "/v1/admin/users", None),
        ("PUT", f"/v1/admin/users/{some}/role", {"role": "admin", "reason": "x"}),
        ("POST", f"/v1/admin/users/{some}/mfa/reset", {"reason": "x"}),
        ("GET", "/v1/admin/agents", None),
    ):
        r = await client.request(method, path, headers=me.headers, json=body)
        assert r.status_code == 403, (method, path)


async def test_search_by_prefix_role_and_status(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, headers = await _admin(client, app_db)
    me = await patient(client)
    email = await _email(client, me.headers)
    prefix = email.split("@")[0]
    r = await client.get("/v1/admin/users", params={"email": prefix.upper()}, headers=headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    (item,) = page["items"]
    assert item["id"] == str(me.id)
    assert item["email"] == email
    assert (item["role"], item["status"], item["mfa_enabled"]) == ("patient", "active", False)
    # Nothing beyond the listed fields (no hash, no profile).
    assert set(item) == {
        "id",
        "email",
        "role",
        "status",
        "created_at",
        "last_login_at",
        "email_verified",
        "mfa_enabled",
    }
    # Filters combine: the patient is not an admin; the admin has a second factor on.
    r = await client.get("/v1/admin/users", params={"email": prefix, "role": "admin"}, headers=headers)
    assert r.json() == {"items": [], "total": 0}
    admin_email = await _email(client, headers)
    r = await client.get(
        "/v1/admin/users", params={"email": admin_email, "role": "admin", "status": "active"}, headers=headers
    )
    assert [(i["id"], i["mfa_enabled"]) for i in r.json()["items"]] == [(str(admin_id), True)]
    # Paging: total stays, items stop.
    r = await client.get("/v1/admin/users", params={"email": prefix, "offset": 5}, headers=headers)
    assert r.json() == {"items": [], "total": 1}
    assert (
        await client.get("/v1/admin/users", params={"role": "nobody"}, headers=headers)
    ).status_code == 422
    assert (await client.get("/v1/admin/users", params={"limit": 500}, headers=headers)).status_code == 422
    searches = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.actor_id == admin_id, AuditLog.action == "admin.users.searched"),
    )
    assert len(searches) == 4
    # The typed prefix is not copied into the audit log.
    assert all(prefix not in str(a.details) for a in searches)


async def test_role_change_applies_at_once_and_is_audited(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, headers = await _admin(client, app_db)
    me = await patient(client)
    assert (await client.get("/v1/admin/retention", headers=me.headers)).status_code == 403
    r = await client.put(
        f"/v1/admin/users/{me.id}/role", json={"role": "therapist", "reason": "staff_joined"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"id": str(me.id), "role": "therapist", "status": "active"}
    # The person's current token now carries the new role (read from the database per request):
    # a therapist must set up two-step sign-in first.
    r = await client.get("/v1/me", headers=me.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "mfa_enrollment_required")
    (entry,) = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.subject_id == me.id, AuditLog.action == "admin.user.role_changed"),
    )
    assert entry.actor_id == admin_id
    assert entry.details == {"from": "patient", "to": "therapist", "reason": "staff_joined"}

    # Bad input: nothing changes.
    for body, code in (
        ({"role": "system", "reason": "x"}, 422),
        ({"role": "overlord", "reason": "x"}, 422),
        ({"role": "admin"}, 422),
    ):
        r = await client.put(f"/v1/admin/users/{me.id}/role", json=body, headers=headers)
        assert r.status_code == code, (body, r.text)
    r = await client.put(
        f"/v1/admin/users/{admin_id}/role", json={"role": "patient", "reason": "x"}, headers=headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "own_account")
    r = await client.put(
        f"/v1/admin/users/{uuid.uuid4()}/role", json={"role": "patient", "reason": "x"}, headers=headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "user_not_found")
    roles = await owner_all(owner_db, select(User.role).where(User.id.in_([me.id, admin_id])))
    assert sorted(r.value for r in roles) == ["admin", "therapist"]


async def test_mfa_reset_removes_the_factor_and_emails_the_person(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, headers = await _admin(client, app_db)
    other_id, other_token = await Care(client, app_db).user(UserRole.admin)
    assert await owner_all(owner_db, select(MfaFactor.id).where(MfaFactor.user_id == other_id))
    r = await client.post(
        f"/v1/admin/users/{other_id}/mfa/reset", json={"reason": "lost_phone"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"id": str(other_id), "had_factor": True}
    assert await owner_all(owner_db, select(MfaFactor.id).where(MfaFactor.user_id == other_id)) == []
    assert (
        await owner_all(owner_db, select(MfaRecoveryCode.id).where(MfaRecoveryCode.user_id == other_id)) == []
    )
    # Their session is restricted to setting up a new authenticator.
    r = await client.get("/v1/admin/users", headers=auth(other_token))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "mfa_enrollment_required")
    (mail,) = await owner_all(
        owner_db,
        select(EmailOutbox).where(
            EmailOutbox.recipient_user_id == other_id, EmailOutbox.template == "mfa_reset"
        ),
    )
    assert "Two-step sign-in was reset" in mail.subject
    (entry,) = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.subject_id == other_id, AuditLog.action == "admin.user.mfa_reset"),
    )
    assert entry.actor_id == admin_id
    assert entry.details == {"had_factor": True, "reason": "lost_phone"}
    # Again: nothing left to remove, no second email.
    r = await client.post(f"/v1/admin/users/{other_id}/mfa/reset", json={"reason": "again"}, headers=headers)
    assert r.json()["had_factor"] is False
    mails = await owner_all(
        owner_db,
        select(EmailOutbox.id).where(
            EmailOutbox.recipient_user_id == other_id, EmailOutbox.template == "mfa_reset"
        ),
    )
    assert len(mails) == 1
    r = await client.post(f"/v1/admin/users/{admin_id}/mfa/reset", json={"reason": "x"}, headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "own_account")
    assert await owner_all(owner_db, select(MfaFactor.id).where(MfaFactor.user_id == admin_id))
    r = await client.post(f"/v1/admin/users/{uuid.uuid4()}/mfa/reset", json={"reason": "x"}, headers=headers)
    assert r.status_code == 404


async def test_the_last_active_admin_is_kept(raw_owner: AsyncConnection) -> None:
    """Two administrators demoting each other at once: the second finds itself the last one (the
    API's own checks cannot see that; the function locks the admin rows and refuses)."""
    try:
        target, caller = uuid.uuid4(), uuid.uuid4()
        await raw_owner.execute(text("UPDATE users SET status = 'suspended' WHERE role = 'admin'"))
        await raw_owner.execute(
            text(
                "INSERT INTO users (id, email, password_hash, role) VALUES"
                " (:t, :te, 'x', 'admin'), (:c, :ce, 'x', 'patient')"
            ),
            {
                "t": target,
                "te": f"t.{target.hex}@example.org",
                "c": caller,
                "ce": f"c.{caller.hex}@example.org",
            },
        )
        await raw_owner.execute(text("SELECT set_config('app.current_role', 'admin', true)"))
        await raw_owner.execute(
            text("SELECT set_config('app.current_user_id', :c, true)"), {"c": str(caller)}
        )
        for call in (
            "SELECT result FROM app_admin_set_user_role(:t, 'patient')",
            "SELECT result FROM app_admin_set_user_status(:t, 'locked')",
        ):
            assert (await raw_owner.execute(text(call), {"t": target})).scalar_one() == "last_admin"
        assert (
            await raw_owner.execute(
                text("SELECT role::text, status::text FROM users WHERE id = :t"), {"t": target}
            )
        ).one() == ("admin", "active")
    finally:
        await raw_owner.rollback()


@pytest.mark.parametrize("role", ["patient", "therapist", "system", "anonymous"])
async def test_the_functions_refuse_anyone_but_an_admin(raw_owner: AsyncConnection, role: str) -> None:
    calls = (
        "SELECT * FROM app_admin_users(NULL, NULL, NULL, 10, 0)",
        "SELECT * FROM app_admin_set_user_role(gen_random_uuid(), 'admin')",
        "SELECT * FROM app_admin_set_user_status(gen_random_uuid(), 'active')",
        "SELECT * FROM app_admin_reset_mfa(gen_random_uuid())",
    )
    for call in calls:
        try:
            await raw_owner.execute(text("SELECT set_config('app.current_role', :r, true)"), {"r": role})
            await raw_owner.execute(
                text("SELECT set_config('app.current_user_id', :u, true)"), {"u": str(uuid.uuid4())}
            )
            with pytest.raises(DBAPIError, match="administrators only"):
                await raw_owner.execute(text(call))
        finally:
            await raw_owner.rollback()


async def test_the_functions_are_definer_pinned_and_for_the_app_role_only(raw_owner: AsyncConnection) -> None:
    from tests.conftest import APP_ROLE

    for signature in _FUNCTIONS:
        row = (
            await raw_owner.execute(
                text(
                    "SELECT p.prosecdef, p.proconfig,"
                    " has_function_privilege('public', p.oid, 'EXECUTE') AS pub,"
                    " has_function_privilege(:r, p.oid, 'EXECUTE') AS app"
                    " FROM pg_proc p WHERE p.oid = to_regprocedure(:s)"
                ),
                {"s": signature, "r": APP_ROLE},
            )
        ).one()
        assert row.prosecdef, signature
        assert row.proconfig == ["search_path=pg_catalog, pg_temp"], signature
        assert (row.pub, row.app) == (False, True), signature
    await raw_owner.rollback()
