"""inbox speed: folded search text kept by triggers, trigram and queue-order indexes

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26 09:00:00

`messages.search_text` (the message folded) and `conversations.search_text` (subject and
customer name folded) are filled by the database itself, so every writer (single and batch
ingest, replies, notes, merges, contact renames) keeps them current without a hook. The
fold is the one `pasokh.inbox.service.fold_for_search` applies to the needle, written out
here as it stood on this date (a migration must not change when the code does).
PostgreSQL gets trigram (pg_trgm) GIN indexes on both columns; SQLite scans them, and the
same-named indexes there are empty partial indexes (`WHERE 0`) so both databases carry one
schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLD = (("ي", "ی"), ("ى", "ی"), ("ك", "ک"), ("ة", "ه"), ("ۀ", "ه"), ("أ", "ا"), ("إ", "ا"),
        ("ٱ", "ا"), ("ؤ", "و"), ("\u200c", ""), ("\u200d", ""), ("\u0640", ""))
QUEUE = ["workspace_id", "priority_rank", "waiting_since", "id", "assignee_id", "team_id"]


def fold(expr: str) -> str:
    """The SQL of `expr` folded: lower case, letter variants, no ZWNJ/ZWJ/kashida."""
    folded = f"lower({expr})"
    for old, new in FOLD:
        folded = f"replace({folded}, '{old}', '{new}')"
    return folded


def conversation_text(row: str, newline: str) -> str:
    """The SQL of a conversation's search text: its subject, a line break, its customer."""
    name = f"(SELECT {fold('display_name')} FROM contacts WHERE contacts.id = {row}.contact_id)"
    # The line break: a needle (whitespace collapsed to spaces) never spans the two.
    return f"{fold(row + '.subject')} || {newline} || coalesce({name}, '')"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column("messages", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("conversations", sa.Column("search_text", sa.Text(), nullable=True))
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()
    op.execute(f"UPDATE messages SET search_text = {fold('text')}")
    newline = "chr(10)" if postgres else "char(10)"
    op.execute(f"UPDATE conversations SET search_text = "
               f"{conversation_text('conversations', newline)}")
    for table in ("messages", "conversations"):
        op.create_index(f"ix_{table}_search", table, ["search_text"], postgresql_using="gin",
                        postgresql_ops={"search_text": "gin_trgm_ops"},
                        sqlite_where=sa.text("0"))
    op.create_index("ix_conversations_unresolved", "conversations", QUEUE,
                    sqlite_where=sa.text("status != 'resolved'"),
                    postgresql_where=sa.text("status != 'resolved'"))
    op.create_index("ix_conversations_urgency", "conversations", QUEUE)


def _postgres_triggers() -> None:
    text = conversation_text("NEW", "chr(10)")
    op.execute(f"""
        CREATE FUNCTION pasokh_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.search_text := {fold('NEW.text')}; RETURN NEW; END $$""")
    op.execute("""
        CREATE TRIGGER messages_search BEFORE INSERT OR UPDATE OF text ON messages
        FOR EACH ROW EXECUTE FUNCTION pasokh_messages_search()""")
    op.execute(f"""
        CREATE FUNCTION pasokh_conversations_search() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.search_text := {text}; RETURN NEW; END $$""")
    op.execute("""
        CREATE TRIGGER conversations_search
        BEFORE INSERT OR UPDATE OF subject, contact_id ON conversations
        FOR EACH ROW EXECUTE FUNCTION pasokh_conversations_search()""")
    again = conversation_text("conversations", "chr(10)")
    op.execute(f"""
        CREATE FUNCTION pasokh_contacts_search() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE conversations SET search_text = {again}
              WHERE contact_id = NEW.id; RETURN NULL; END $$""")
    op.execute("""
        CREATE TRIGGER contacts_search AFTER UPDATE OF display_name ON contacts
        FOR EACH ROW EXECUTE FUNCTION pasokh_contacts_search()""")


def _sqlite_triggers() -> None:
    message = f"UPDATE messages SET search_text = {fold('NEW.text')} WHERE id = NEW.id;"
    conversation = ("UPDATE conversations SET search_text = "
                    f"{conversation_text('NEW', 'char(10)')} WHERE id = NEW.id;")
    contact = ("UPDATE conversations SET search_text = "
               f"{conversation_text('conversations', 'char(10)')} WHERE contact_id = NEW.id;")
    for name, event, body in (
        ("messages_search_insert", "AFTER INSERT ON messages", message),
        ("messages_search_update", "AFTER UPDATE OF text ON messages", message),
        ("conversations_search_insert", "AFTER INSERT ON conversations", conversation),
        ("conversations_search_update", "AFTER UPDATE OF subject, contact_id ON conversations",
         conversation),
        ("contacts_search", "AFTER UPDATE OF display_name ON contacts", contact),
    ):
        op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body} END")


def downgrade() -> None:
    op.drop_index("ix_conversations_urgency", table_name="conversations")
    op.drop_index("ix_conversations_unresolved", table_name="conversations")
    for table in ("messages", "conversations"):
        op.drop_index(f"ix_{table}_search", table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER contacts_search ON contacts")
        op.execute("DROP TRIGGER conversations_search ON conversations")
        op.execute("DROP TRIGGER messages_search ON messages")
        for function in ("contacts", "conversations", "messages"):
            op.execute(f"DROP FUNCTION pasokh_{function}_search()")
    else:
        for name in ("messages_search_insert", "messages_search_update",
                     "conversations_search_insert", "conversations_search_update",
                     "contacts_search"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column("conversations", "search_text")
    op.drop_column("messages", "search_text")
