"""Routing rules page: the ordered list with plain-language summaries; create, edit, move."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from pasokh.errors import Conflict, NotFound, Unprocessable
from pasokh.routing import config
from pasokh.routing.models import HANDLINGS, RoutingRule
from pasokh.routing.schemas import RuleCreate
from pasokh.types import CATEGORIES, CHANNEL_KINDS, PRIORITIES, SENTIMENTS
from pasokh.users.models import Team
from pasokh.web.forms import (
    SUPERVISORS,
    FormBody,
    FormError,
    Values,
    done,
    gate,
    problem,
    render,
    split_list,
    values,
)
from pasokh.web.words import word

router = APIRouter(include_in_schema=False)
LANGUAGES = ("fa", "en", "ar")
LISTS = ("categories", "priorities", "sentiments", "languages", "channels")
FLAGS = {"": None, "yes": True, "no": False}
# condition key -> (summary phrase, how a value is named)
PHRASES = {"categories": ("sum_category", ""), "priorities": ("sum_priority", ""),
           "sentiments": ("sum_sentiment", ""), "languages": ("sum_language", ""),
           "channels": ("sum_channel", "ch_")}


def _iso(text: str) -> str:
    """Admin-entered words isolated, so «کارت» keeps its quotes in an English sentence."""
    return f"\u2068{text}\u2069"


def summary(rule: RoutingRule, team_names: dict[int, str], locale: str) -> str:
    """What a rule does, in one sentence of the reader's language."""
    def w(key: str) -> str:
        return word(locale, key)

    cond: dict[str, Any] = rule.conditions or {}
    parts = []
    for key, (phrase, prefix) in PHRASES.items():
        if cond.get(key):
            names = w("sum_or").join(w(prefix + str(v)) for v in cond[key])
            parts.append(w(phrase).format(v=names))
    for key, name in (("is_public", "public"), ("is_vip", "vip")):
        if cond.get(key) is not None:
            parts.append(w(f"sum_{name}_{'yes' if cond[key] else 'no'}"))
    if cond.get("keywords"):
        parts.append(w("sum_keywords").format(
            v=w("sum_or").join(f"«{_iso(k)}»" for k in cond["keywords"])))
    if parts:
        head = f"{w('sum_if')} {w('sum_and').join(parts)}"
    else:
        head = w("sum_else") if rule.is_default else w("sum_everything")
    team = team_names.get(rule.team_id) if rule.team_id else None
    effects = [w("sum_team").format(v=_iso(team)) if team else w("sum_any_team"),
               w(f"handling_{rule.handling}")]
    if rule.priority_override:
        effects.append(w("sum_priority_to").format(v=w(rule.priority_override)))
    if rule.tags:
        effects.append(w("sum_tags").format(v=("، " if locale == "fa" else ", ")
                                            .join(_iso(t) for t in rule.tags)))
    arrow, sep = ("←", "؛ ") if locale == "fa" else ("→", "; ")
    tail = f" {w('sum_inactive')}" if not rule.is_active else ""
    return f"{head} {arrow} {sep.join(effects)}{tail}"


def rule_values(rule: RoutingRule | None) -> Values:
    """A rule as the form's fields (a new rule: active, handled by an agent)."""
    if rule is None:
        return {"is_active": "1", "handling": "agent", **{k: [] for k in LISTS}}
    cond = rule.conditions or {}
    flag = {None: "", True: "yes", False: "no"}
    return {"name": rule.name, "is_active": "1" if rule.is_active else "",
            "is_default": "1" if rule.is_default else "",
            **{k: list(cond.get(k) or []) for k in LISTS},
            "is_public": flag[cond.get("is_public")], "is_vip": flag[cond.get("is_vip")],
            "keywords": "\n".join(cond.get("keywords") or []),
            "team_id": str(rule.team_id or ""), "priority_override": rule.priority_override or "",
            "tags": ", ".join(rule.tags or []), "handling": rule.handling}


def rule_from(v: Values, locale: str, position: int) -> RuleCreate:
    """The form's fields as the API's schema (which does the validation)."""
    name = str(v.get("name", "")).strip()
    if not name:
        raise FormError(word(locale, "need_name"))
    team = str(v.get("team_id", ""))
    if team and not team.isdigit():
        raise FormError(word(locale, "bad_choice").format(value=team[:20],
                                                          field=word(locale, "team_target")))
    flags = {}
    for key in ("is_public", "is_vip"):
        if v.get(key, "") not in FLAGS:
            raise FormError(word(locale, "bad_choice").format(value=str(v[key])[:20],
                                                              field=word(locale, key)))
        flags[key] = FLAGS[v.get(key, "")]
    return RuleCreate.model_validate({
        "name": name, "position": position, "is_active": bool(v.get("is_active")),
        "is_default": bool(v.get("is_default")),
        "conditions": {**{k: v.get(k, []) for k in LISTS}, **flags,
                       "keywords": split_list(str(v.get("keywords", "")))},
        "team_id": int(team) if team else None,
        "priority_override": v.get("priority_override") or None,
        "tags": split_list(str(v.get("tags", ""))), "handling": v.get("handling") or "agent"})


def _options(locale: str, v: Values) -> dict[str, list[tuple[str, str]]]:
    extra = [x for x in v.get("languages", []) if x not in LANGUAGES]
    return {
        "categories": [(c, word(locale, c)) for c in CATEGORIES],
        "priorities": [(p, word(locale, p)) for p in PRIORITIES],
        "sentiments": [(s, word(locale, s)) for s in SENTIMENTS],
        "languages": [(x, word(locale, x)) for x in (*LANGUAGES, *extra)],
        "channels": [(c, word(locale, "ch_" + c)) for c in CHANNEL_KINDS],
        "flags": [("", word(locale, "any")), ("yes", word(locale, "yes")),
                  ("no", word(locale, "no"))],
        "override": [("", word(locale, "keep_priority"))] +
                    [(p, word(locale, p)) for p in PRIORITIES],
        "handlings": [(h, word(locale, f"handling_{h}")) for h in HANDLINGS],
    }


@router.get("/admin/rules", response_class=HTMLResponse)
def rules_page(request: Request) -> Response:
    """The workspace's routing rules in the order they are tried, each summarised."""
    principal = gate(request, SUPERVISORS)
    with request.app.state.db.read() as session:
        rules = config.ordered_rules(session=session, workspace_id=principal.workspace_id)
        team_names = {i: n for i, n in session.execute(select(Team.id, Team.name).where(
            Team.workspace_id == principal.workspace_id))}
        return render(request, principal, session, "admin_rules.html", section="rules",
                      rules=[(r, summary(r, team_names, principal.locale)) for r in rules])


def _rule_form(request: Request, principal: Any, rule_id: int | None, v: Values,
               error: str = "", status: int = 200) -> Response:
    with request.app.state.db.read() as session:
        teams = session.execute(select(Team.id, Team.name).where(
            Team.workspace_id == principal.workspace_id).order_by(Team.name)).all()
        return render(request, principal, session, "admin_rule.html", status=status,
                      section="rules", rule_id=rule_id, v=v, error=error,
                      teams=[("", word(principal.locale, "no_team"))] +
                      [(str(i), n) for i, n in teams], options=_options(principal.locale, v))


@router.get("/admin/rules/new", response_class=HTMLResponse)
def new_rule_page(request: Request) -> Response:
    """An empty rule form."""
    principal = gate(request, SUPERVISORS)
    return _rule_form(request, principal, None, rule_values(None))


@router.get("/admin/rules/{rule_id}", response_class=HTMLResponse)
def edit_rule_page(rule_id: int, request: Request) -> Response:
    """One rule's form, filled in."""
    principal = gate(request, SUPERVISORS)
    with request.app.state.db.read() as session:
        rule = config.get_rule(session=session, workspace_id=principal.workspace_id,
                               rule_id=rule_id)
        v = rule_values(rule)
    return _rule_form(request, principal, rule_id, v)


def _save(request: Request, form: FormBody, rule_id: int | None) -> Response:
    principal = gate(request, SUPERVISORS, form)
    ws = principal.workspace_id
    if rule_id is not None:  # another workspace's rule is a 404, not a form error
        with request.app.state.db.read() as session:
            config.get_rule(session=session, workspace_id=ws, rule_id=rule_id)
    v = values(form, multi=LISTS)
    try:
        with request.app.state.db.write() as session:
            rule = config.get_rule(session=session, workspace_id=ws, rule_id=rule_id) \
                if rule_id is not None else None
            position = rule.position if rule else config.next_rule_position(
                session=session, workspace_id=ws)
            config.do_save_rule(session=session, workspace_id=ws, rule=rule,
                                data=rule_from(v, principal.locale, position))
            session.commit()
    except (FormError, ValidationError, Unprocessable, Conflict, NotFound) as exc:
        return _rule_form(request, principal, rule_id, v, problem(exc, principal.locale), 422)
    return done("/admin/rules", "created" if rule_id is None else "saved")


@router.post("/admin/rules")
def create_rule(request: Request, form: FormBody) -> Response:
    """Add a rule after the existing ones (defaults still come last)."""
    return _save(request, form, None)


@router.post("/admin/rules/{rule_id}")
def update_rule(rule_id: int, request: Request, form: FormBody) -> Response:
    """Replace a rule's conditions and effects; its place in the order is kept."""
    return _save(request, form, rule_id)


@router.post("/admin/rules/{rule_id}/move")
def move_rule(rule_id: int, request: Request, form: FormBody) -> Response:
    """Move a rule one place up or down."""
    principal = gate(request, SUPERVISORS, form)
    offset = {"up": -1, "down": 1}.get(str(form.get("direction")), 0)
    with request.app.state.db.write() as session:
        config.do_move_rule(session=session, workspace_id=principal.workspace_id,
                            rule_id=rule_id, offset=offset)
        session.commit()
    return done("/admin/rules", "moved")


@router.post("/admin/rules/{rule_id}/delete")
def delete_rule(rule_id: int, request: Request, form: FormBody) -> Response:
    """Delete a rule (past routing decisions keep their reasons)."""
    principal = gate(request, SUPERVISORS, form)
    with request.app.state.db.write() as session:
        session.delete(config.get_rule(session=session, workspace_id=principal.workspace_id,
                                       rule_id=rule_id))
        session.commit()
    return done("/admin/rules", "deleted")
