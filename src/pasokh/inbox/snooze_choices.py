"""The snooze times an agent is offered: an hour, three hours, the next working morning and
a week on, read on the workspace's business calendar (Iranian week and Jalali holidays).

"Tomorrow" is wrong in an Iranian contact centre on a Thursday evening or before Nowruz:
the next working morning skips Fridays and holidays, because that is when someone is there
to pick the conversation up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pasokh.routing.calendar import WorkCalendar, next_opening


@dataclass(frozen=True)
class SnoozeChoice:
    key: str  # the UI word: snooze_1h, snooze_3h, snooze_next_workday, snooze_next_week
    until: datetime


def snooze_choices(cal: WorkCalendar, now: datetime) -> list[SnoozeChoice]:
    """The offered snooze times after `now` (timezone-aware), earliest first."""
    today = now.astimezone(cal.zone).date()
    day_start = datetime.combine(today + timedelta(days=1), datetime.min.time(), cal.zone)
    week_start = datetime.combine(today + timedelta(days=7), datetime.min.time(), cal.zone)
    return [
        SnoozeChoice("snooze_1h", now + timedelta(hours=1)),
        SnoozeChoice("snooze_3h", now + timedelta(hours=3)),
        SnoozeChoice("snooze_next_workday", next_opening(cal, day_start)),
        SnoozeChoice("snooze_next_week", next_opening(cal, week_start)),
    ]
