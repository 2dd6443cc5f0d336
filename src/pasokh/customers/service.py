"""Recognise the customer behind a message from any of their identities."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pasokh.customers.identity import normalise_email, normalise_identity, normalise_phone
from pasokh.customers.models import Contact, ContactIdentity

# Channels whose sender id *is* a phone number or an e-mail address.
_CHANNEL_IDENTITY_KIND = {"sms": "phone", "phone": "phone", "whatsapp": "phone", "email": "email"}


@dataclass(frozen=True)
class SenderIdentity:
    """What a channel tells us about who wrote a message."""

    external_id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None


def identities_of(sender: SenderIdentity, *, channel_kind: str) -> list[tuple[str, str]]:
    """Canonical (kind, value) pairs for a sender, the channel's own identity first."""
    pairs: list[tuple[str, str]] = []
    if sender.external_id:
        kind = _CHANNEL_IDENTITY_KIND.get(channel_kind, channel_kind)
        pairs.append((kind, normalise_identity(kind, sender.external_id)))
    if sender.phone:
        pairs.append(("phone", normalise_phone(sender.phone)))
    if sender.email:
        pairs.append(("email", normalise_email(sender.email)))
    return list(dict.fromkeys(pairs))


def do_resolve_contact(
    *, session: Session, workspace_id: int, channel_kind: str, sender: SenderIdentity
) -> Contact:
    """The contact known by any of the sender's identities, created if none is known.

    Identities seen for the first time are attached to the contact found, so the next
    message from another channel with the same phone or e-mail lands on the same person.
    """
    pairs = identities_of(sender, channel_kind=channel_kind)
    known = session.execute(
        select(ContactIdentity.kind, ContactIdentity.value, ContactIdentity.contact_id).where(
            ContactIdentity.workspace_id == workspace_id,
            or_(*(and_(ContactIdentity.kind == k, ContactIdentity.value == v) for k, v in pairs)),
        )
    ).all()
    by_pair = {(k, v): cid for k, v, cid in known}
    contact: Contact | None = None
    for pair in pairs:  # the channel's own identity wins when identities disagree
        if pair in by_pair:
            contact = session.get(Contact, by_pair[pair])
            break
    if contact is None:
        contact = Contact(workspace_id=workspace_id,
                          display_name=(sender.name or pairs[0][1])[:200])
        session.add(contact)
        session.flush()
    elif sender.name and contact.display_name in {v for _, v in pairs}:
        contact.display_name = sender.name[:200]  # a real name beats an id
    for kind, value in pairs:
        if (kind, value) not in by_pair:
            session.add(ContactIdentity(workspace_id=workspace_id, contact_id=contact.id,
                                        kind=kind, value=value))
    return contact
