"""One customer, one profile: any known identity leads back to the same contact."""

from __future__ import annotations

from sqlalchemy import func, select

from pasokh.customers.models import Contact, ContactIdentity
from pasokh.customers.service import SenderIdentity, do_resolve_contact
from pasokh.db import Database
from tests.conftest import World


def resolve(db: Database, world: World, kind: str, **sender: str) -> int:
    with db.write() as session:
        contact = do_resolve_contact(session=session, workspace_id=world.workspace_id,
                                     channel_kind=kind, sender=SenderIdentity(**sender))
        session.commit()
        return contact.id


def test_the_same_sender_on_the_same_channel_is_one_contact(db: Database, world: World) -> None:
    first = resolve(db, world, "instagram", external_id="@Reza_Shop", name="رضا")
    again = resolve(db, world, "instagram", external_id="reza_shop")
    assert first == again


def test_a_phone_number_links_sms_to_the_telegram_profile(db: Database, world: World) -> None:
    on_telegram = resolve(db, world, "telegram", external_id="77120033", phone="09121234567")
    on_sms = resolve(db, world, "sms", external_id="+98 912 123 4567")
    assert on_sms == on_telegram
    with db.read() as session:
        kinds = session.scalars(select(ContactIdentity.kind)
                                .where(ContactIdentity.contact_id == on_sms)).all()
    assert sorted(kinds) == ["phone", "telegram"]


def test_a_new_email_on_a_known_contact_is_remembered(db: Database, world: World) -> None:
    contact = resolve(db, world, "webchat", external_id="visitor-1", email="Sara@Example.com")
    assert resolve(db, world, "email", external_id="sara@example.com") == contact


def test_a_real_name_replaces_an_id_as_display_name(db: Database, world: World) -> None:
    contact = resolve(db, world, "instagram", external_id="mina.k")
    resolve(db, world, "instagram", external_id="mina.k", name="مینا کریمی")
    with db.read() as session:
        assert session.get(Contact, contact).display_name == "مینا کریمی"  # type: ignore[union-attr]


def test_identities_do_not_cross_workspaces(db: Database, world: World) -> None:
    from tests.conftest import build_world

    other = build_world(db, slug="sepid")
    a = resolve(db, world, "sms", external_id="09121234567")
    b = resolve(db, other, "sms", external_id="09121234567")
    assert a != b
    with db.read() as session:
        assert session.scalar(select(func.count(Contact.id))) == 2
