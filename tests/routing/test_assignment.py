"""Auto-assignment on the database: skills, language, capacity, urgency, handback, override."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pasokh.audit.models import AuditEvent
from pasokh.inbox.actions import do_reply, do_set_status
from pasokh.routing.config import get_profile
from pasokh.routing.models import RoutingDecision
from pasokh.routing.service import do_override, do_rebalance, do_set_presence
from tests.conftest import World
from tests.routing.conftest import SATURDAY_10, Write, desk


def decisions(session: Session, conversation_id: int) -> list[RoutingDecision]:
    return list(session.scalars(select(RoutingDecision)
                                .where(RoutingDecision.conversation_id == conversation_id)
                                .order_by(RoutingDecision.id)))


def test_the_least_loaded_agent_with_the_skill_and_language_gets_it(
        session: Session, world: World, write_in: Write) -> None:
    ids = desk(session, world,
               ("ali", {"languages": ["fa"], "skills": ["technical"]}),
               ("bahar", {"languages": ["fa"], "skills": ["question"]}),
               ("chris", {"languages": ["en"], "skills": ["question"]}))
    persian = write_in("question fa: ساعت کاری شما چیست؟")
    english = write_in("question en: what are your hours?")
    technical = write_in("technical fa: اپلیکیشن باز نمی‌شود")
    assert persian.assignee_id == ids["bahar"]
    assert english.assignee_id == ids["chris"]
    assert technical.assignee_id == ids["ali"]
    kinds = [d.kind for d in decisions(session, persian.id)]
    assert kinds == ["route", "assign"]
    assign = decisions(session, persian.id)[-1]
    assert assign.agent_id == ids["bahar"]
    assert any("least loaded" in r for r in assign.reasons)
    assert any("'question'" in r for r in assign.reasons)


def test_an_assignment_stores_the_same_reasons_and_audit_event_on_both_databases(
        session: Session, world: World, write_in: Write) -> None:
    """The records are written by different statements on each database: same words."""
    ids = desk(session, world, ("bahar", {"languages": ["fa"], "skills": ["question"]}))
    first = write_in("question fa: ساعت کاری شما چیست؟", channel="webchat")
    reasons = ["next in line: most urgent, longest waiting",
               "least loaded available agent (0/6 units)", "has the skill 'question'",
               "speaks 'fa'", "webchat counts 3 units"]
    assert decisions(session, first.id)[-1].reasons == reasons
    audit = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "conversation.assign",
        AuditEvent.target_id == str(first.id))).one()
    assert audit.details == {"agent_id": ids["bahar"], "reasons": reasons}
    assert audit.workspace_id == world.workspace_id and audit.target_type == "conversation"


def test_the_head_of_the_line_is_taken_first_and_the_newcomer_is_told_why_it_waits(
        session: Session, world: World, write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 3}))
    first = write_in("question: اول", channel="webchat", now=SATURDAY_10)
    older = write_in("question: دوم", channel="webchat",
                     now=SATURDAY_10 + timedelta(minutes=1))  # no room: waits
    assert (first.assignee_id, older.assignee_id) == (ids["ali"], None)
    do_set_status(session=session, conversation=first, status="resolved", actor=None)
    newcomer = write_in("question: سوم", channel="email-support",
                        now=SATURDAY_10 + timedelta(minutes=2))
    assert (older.assignee_id, newcomer.assignee_id) == (ids["ali"], None)
    assert decisions(session, newcomer.id)[-1].kind == "wait"
    assert decisions(session, newcomer.id)[-1].reasons == [
        "older or more urgent conversations are ahead in the queue"]
    taken = decisions(session, older.id)[-1]
    assert (taken.kind, taken.agent_id) == ("assign", ids["ali"])
    assert taken.reasons == ["next in line: most urgent, longest waiting",
                             "least loaded available agent (0/3 units)",
                             "webchat counts 3 units"]


def test_load_spreads_to_the_least_loaded(session: Session, world: World,
                                          write_in: Write) -> None:
    ids = desk(session, world, ("ali", {}), ("bahar", {}))
    first, second = write_in("question: یک"), write_in("question: دو")
    assert {first.assignee_id, second.assignee_id} == {ids["ali"], ids["bahar"]}


def test_nobody_goes_over_capacity_and_a_chat_counts_more_than_an_email(
        session: Session, world: World, write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 4}))
    chat = write_in("question: چت اول", channel="webchat")      # 3 units
    chat2 = write_in("question: چت دوم", channel="webchat")     # would be 6 > 4: waits
    email = write_in("question: ایمیل", channel="email-support")  # but chat2 is ahead: waits
    assert chat.assignee_id == ids["ali"]
    assert chat2.assignee_id is None and email.assignee_id is None
    assert [d.kind for d in decisions(session, chat2.id)][-1] == "wait"
    assert any("no available agent" in r for r in decisions(session, chat2.id)[-1].reasons)


def test_the_most_urgent_then_longest_waiting_goes_first(session: Session, world: World,
                                                         write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 3}))
    profile = get_profile(session=session, workspace_id=world.workspace_id, user_id=ids["ali"])
    profile.presence = "offline"
    normal_old = write_in("normal: قدیمی", now=SATURDAY_10)
    low = write_in("low: کم‌اهمیت", now=SATURDAY_10 + timedelta(minutes=1))
    urgent_new = write_in("urgent: فوری، پرداخت ناموفق",
                          now=SATURDAY_10 + timedelta(minutes=2))
    normal_new = write_in("normal: جدید", now=SATURDAY_10 + timedelta(minutes=3))
    do_set_presence(session=session, profile=profile, presence="online",
                    now=SATURDAY_10 + timedelta(minutes=5))
    assert urgent_new.assignee_id == ids["ali"]
    assert normal_old.assignee_id is None and normal_new.assignee_id is None
    do_set_status(session=session, conversation=urgent_new, status="resolved", actor=None)
    do_rebalance(session=session, workspace_id=world.workspace_id,
                 now=SATURDAY_10 + timedelta(minutes=9))
    assert normal_old.assignee_id == ids["ali"]
    assert normal_new.assignee_id is None and low.assignee_id is None


def test_going_offline_hands_back_unanswered_conversations(
        session: Session, world: World, write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 20}), ("bahar", {"capacity": 0 + 20}))
    convs = [write_in(f"question: پیام {i}") for i in range(4)]
    mine = [c for c in convs if c.assignee_id == ids["ali"]]
    assert len(mine) == 2
    answered, unanswered = mine
    do_reply(session=session, conversation=answered, author=None, text="در حال بررسی")
    profile = get_profile(session=session, workspace_id=world.workspace_id, user_id=ids["ali"])
    handed = do_set_presence(session=session, profile=profile, presence="away",
                             now=SATURDAY_10 + timedelta(minutes=5))
    assert handed == [unanswered.id]
    assert answered.assignee_id == ids["ali"], "answered conversations stay with their agent"
    assert unanswered.assignee_id == ids["bahar"], "handed back and picked up by a colleague"
    kinds = [d.kind for d in decisions(session, unanswered.id)]
    assert kinds[-2:] == ["handback", "assign"]
    assert "away" in decisions(session, unanswered.id)[-2].reasons[0]


def test_a_supervisor_can_override_even_above_capacity(session: Session, world: World,
                                                       write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 3}), ("bahar", {"capacity": 3}))
    first, second = write_in("question: یک"), write_in("question: دو")
    target = first if first.assignee_id == ids["bahar"] else second
    row = do_override(session=session, conversation=target, agent_id=ids["ali"],
                      actor_user_id=world.users["reza"], reason="مشتری قبلی علی")
    assert target.assignee_id == ids["ali"]
    assert row.kind == "override" and row.actor_user_id == world.users["reza"]
    assert row.reasons[0] == "supervisor override: مشتری قبلی علی"
    assert any("above capacity" in r for r in row.reasons)


def test_an_empty_workspace_still_takes_messages(session: Session, world: World,
                                                 write_in: Write) -> None:
    conversation = write_in("question: سلام")
    assert conversation.assignee_id is None
    route, wait = decisions(session, conversation.id)
    assert (route.kind, route.rule_id, route.handling) == ("route", None, "agent")
    assert wait.kind == "wait"


def test_an_agents_own_channel_weights_count(session: Session, world: World,
                                             write_in: Write) -> None:
    ids = desk(session, world, ("ali", {"capacity": 2, "channel_weights": {"webchat": 1}}))
    chats = [write_in(f"question: چت {i}") for i in range(3)]
    assert [c.assignee_id for c in chats] == [ids["ali"], ids["ali"], None]
