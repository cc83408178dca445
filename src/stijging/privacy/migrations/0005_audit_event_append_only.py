"""On PostgreSQL the audit log is append-only in the database itself, not only by convention.

A row trigger refuses every DELETE of an audit event and every UPDATE that changes an event's content,
or a seal once it is written (the sealer writes seal_seq, seal_hash and sealed_at once, from empty).
It guards against the application's own SQL (a bug, an injection, a careless console session under
the application's role). A database owner can still drop the trigger: docs/operations/audit-log.md
describes running the application under a role that does not own the table, and the anchor outside
the database, which catches what an owner does.

Retention (a later issue) deletes expired events through one narrow door: in its own transaction it
sets `SET LOCAL stijging.audit_retention_before = '<timestamp>'`; then only events that are sealed
and older than that moment may go, and the moment itself must lie at least a year in the past, so
that door never opens onto the recent log whatever the caller sets.

SQLite has no such guard (documented there too): Django's test flush deletes rows there, and the demo
database is a file the application's user owns anyway.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION stijging_audit_event_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cutoff text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        cutoff := current_setting('stijging.audit_retention_before', true);
        IF cutoff IS NOT NULL AND cutoff <> ''
           AND cutoff::timestamptz <= now() - interval '1 year'
           AND OLD.seal_seq IS NOT NULL
           AND OLD.created_at < cutoff::timestamptz THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: deleting audit event % is refused', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.created_at, NEW.actor_id, NEW.actor_label, NEW.role, NEW.organisation_id, NEW.action,
        NEW.object_type, NEW.object_id, NEW.person_ids, NEW.purpose, NEW.outcome, NEW.client_ip,
        NEW.request_id, NEW.path, NEW.detail)
       IS DISTINCT FROM
       (OLD.id, OLD.created_at, OLD.actor_id, OLD.actor_label, OLD.role, OLD.organisation_id, OLD.action,
        OLD.object_type, OLD.object_id, OLD.person_ids, OLD.purpose, OLD.outcome, OLD.client_ip,
        OLD.request_id, OLD.path, OLD.detail) THEN
        RAISE EXCEPTION 'the audit log is append-only: changing audit event % is refused', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.seal_seq IS NOT NULL
       AND (NEW.seal_seq, NEW.seal_hash, NEW.sealed_at) IS DISTINCT FROM (OLD.seal_seq, OLD.seal_hash, OLD.sealed_at) THEN
        RAISE EXCEPTION 'the audit log is append-only: the seal of audit event % is written once', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent;
CREATE TRIGGER privacy_auditevent_append_only
    BEFORE UPDATE OR DELETE ON privacy_auditevent
    FOR EACH ROW EXECUTE FUNCTION stijging_audit_event_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent;
DROP FUNCTION IF EXISTS stijging_audit_event_guard();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the RAISE format strings use % placeholders of their own.
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_default_retention_periods")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
