"""iCalendar feeds of an agent's shifts (RFC 5545, via the icalendar library)."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from callcenter.models import Agent
from callcenter.services.schedule import ShiftView

ALARM_LEAD = dt.timedelta(minutes=30)  # time to get to work before the arrival time


def agent_calendar(agent: Agent, shifts: list[ShiftView]) -> bytes:
    """One event per shift; breaks in the description; an alarm ``ALARM_LEAD`` before the
    art. 41 arrival time (10 minutes before the shift)."""
    calendar = Calendar()
    calendar.add("prodid", "-//callcenter-wfm//shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Shifts {agent.employee_no}")
    for view in shifts:
        event = Event()
        event.add("uid", f"{agent.employee_no}-{view.date.isoformat()}@callcenter-wfm")
        event.add("dtstamp", dt.datetime.now(dt.UTC))
        event.add("dtstart", view.start)
        event.add("dtend", view.end)
        event.add("summary", f"Shift {view.shift}")
        lines = [f"Arrive by {view.arrive_by:%H:%M} for the handover (art. 41)."]
        lines += [
            f"{kind.capitalize()} break {start:%H:%M}-{start + dt.timedelta(minutes=minutes):%H:%M}"
            for kind, start, minutes in view.breaks
        ]
        lines.append(f"Roster {view.roster_id} version {view.roster_version}")
        event.add("description", "\n".join(lines))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Shift {view.shift}: arrive 10 minutes early")
        alarm.add("trigger", (view.arrive_by - view.start) - ALARM_LEAD)
        event.add_component(alarm)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
