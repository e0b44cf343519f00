"""admin settings: the crisis lexicon overlay's reads, and one runtime setting's value, for the
running service

``crisis_keywords`` is readable by admins only (its staff policy), yet every process screens
text as whoever wrote it and must layer the table's entries over the packaged lexicon
(hp_agent/crisis/lexicon_overlay.py). Two SECURITY DEFINER functions, written as
hp_agent/db/security.py writes its own (pinned search_path, EXECUTE for the application role
only, which the worker's role inherits), answer exactly that: a digest of the table, checked
every few seconds, and the rows in the engine's record keys, read when the digest changed.

``system_configurations`` is likewise admins' only; ``app_system_setting(key)`` answers the value
of one key of the whitelist in hp_agent/admin/system_settings.py (the only keys admins can write)
for the code that uses it, whoever is signed in.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

from hp_agent.config import get_settings

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

# The engine's record keys (crisis_engine.lexicon._KNOWN_KEYS) and nothing else: not who made an
# entry, not when.
_ENTRY = (
    "jsonb_build_object('id', k.id, 'term', k.term, 'pattern', k.pattern, 'category', k.category,"
    " 'weight', k.weight, 'fuzzy', k.fuzzy, 'requires_first_person', k.requires_first_person,"
    " 'requires_context', k.requires_context, 'triggers', k.triggers, 'lang', k.lang,"
    " 'enabled', k.enabled)"
)

FUNCTIONS: list[tuple[str, str]] = [
    (
        "app_crisis_lexicon_digest()",
        "CREATE OR REPLACE FUNCTION app_crisis_lexicon_digest() RETURNS text\n"
        "    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
        f"    $$ SELECT md5(coalesce(string_agg({_ENTRY}::text, ',' ORDER BY k.id), ''))"
        " FROM public.crisis_keywords k $$",
    ),
    (
        "app_crisis_lexicon_entries()",
        "CREATE OR REPLACE FUNCTION app_crisis_lexicon_entries() RETURNS SETOF jsonb\n"
        "    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
        f"    $$ SELECT {_ENTRY} FROM public.crisis_keywords k ORDER BY k.id $$",
    ),
    (
        "app_system_setting(text)",
        "CREATE OR REPLACE FUNCTION app_system_setting(setting_key text) RETURNS jsonb\n"
        "    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
        "    $$ SELECT c.value FROM public.system_configurations c WHERE c.key = setting_key $$",
    ),
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    role = _role()
    for signature, create in FUNCTIONS:
        op.execute(create)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"')


def downgrade() -> None:
    for signature, _create in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
