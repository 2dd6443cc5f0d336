"""Reply templates: fill in `{{customer.first_name}}`-style variables, safely.

Templates are written by staff but the values (a customer's name) are not: substitution is
a plain string replacement of known names, never a template engine evaluating either side,
so `{{ 7*7 }}` or `{% ... %}` in a name or a body stays literal text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.errors import Conflict, Unprocessable
from pasokh.replies.models import ReplyTemplate
from pasokh.types import CATEGORIES

VARIABLES = ("customer.first_name", "customer.name", "agent.name", "agent.first_name",
             "ticket.number", "conversation.number")
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


def render_template(body: str, values: Mapping[str, str]) -> str:
    """Replace each known `{{name}}` by its value; unknown names are left as written."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def first_name(name: str) -> str:
    """The first word of a display name («سارا احمدی» → «سارا»)."""
    parts = name.split()
    return parts[0] if parts else ""


def template_values(*, customer_name: str, agent_name: str, conversation_id: int,
                    ticket_number: int | None) -> dict[str, str]:
    """The variables a template may use for one conversation and one agent."""
    return {
        "customer.first_name": first_name(customer_name),
        "customer.name": customer_name,
        "agent.name": agent_name,
        "agent.first_name": first_name(agent_name),
        # Without a ticket the conversation's own reference is what the customer can quote.
        "ticket.number": f"#{ticket_number}" if ticket_number is not None
        else f"#C{conversation_id}",
        "conversation.number": f"#C{conversation_id}",
    }


def check_template(*, session: Session, workspace_id: int, name: str, locale: str,
                   category: str | None, body: str, template_id: int | None = None) -> None:
    """Refuse a template that would not work: unknown values or a taken name."""
    if locale not in ("fa", "en"):
        raise Unprocessable("A template's language is fa or en.",
                            fa="زبان قالب باید fa یا en باشد.")
    if category is not None and category not in CATEGORIES:
        raise Unprocessable(f"Unknown category '{category[:32]}': use one of "
                            f"{', '.join(CATEGORIES)}.",
                            fa=f"دستهٔ «{category[:32]}» شناخته نیست؛ یکی از این‌ها را "
                            f"بگذارید: {'، '.join(CATEGORIES)}.")
    unknown = sorted({m.group(1) for m in _VARIABLE.finditer(body)} - set(VARIABLES))
    if unknown:
        known = ", ".join("{{" + v + "}}" for v in VARIABLES)
        raise Unprocessable(f"Unknown variable {{{{{unknown[0]}}}}}: use one of {known}.",
                            fa=f"متغیر {{{{{unknown[0]}}}}} شناخته نیست؛ یکی از این‌ها را "
                            f"به کار ببرید: {known}.")
    taken = session.scalar(select(ReplyTemplate.id).where(
        ReplyTemplate.workspace_id == workspace_id, ReplyTemplate.name == name,
        ReplyTemplate.locale == locale))
    if taken is not None and taken != template_id:
        raise Conflict(f"A {locale} template named '{name[:60]}' already exists; pick another "
                       "name or edit that one.",
                       fa=f"قالبی {locale} با نام «{name[:60]}» هست؛ نام دیگری بگذارید یا "
                       "همان را ویرایش کنید.")


def do_save_template(*, session: Session, workspace_id: int, author_id: int | None,
                     name: str, locale: str, category: str | None, body: str,
                     template: ReplyTemplate | None = None) -> ReplyTemplate:
    """Create a template, or change `template`."""
    name, body = name.strip(), body.strip()
    if not name or not body:
        raise Unprocessable("A template needs a name and a text.",
                            fa="قالب به نام و متن نیاز دارد.")
    check_template(session=session, workspace_id=workspace_id, name=name, locale=locale,
                   category=category, body=body, template_id=template.id if template else None)
    if template is None:
        template = ReplyTemplate(workspace_id=workspace_id, created_by_id=author_id)
        session.add(template)
    template.name, template.locale, template.category, template.body = name, locale, category, body
    session.flush()
    return template
