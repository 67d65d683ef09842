"""The appeal form's field rules, and the working-day arithmetic of the appeal window and the deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.appeals import REASON_MIN, AppealForm, check_appeal, working_day_before, working_days_end
from scoring.errors import FieldErrors
from scoring.metrics import Unit
from scoring.periods import Calendar

METRICS: dict[str, Unit] = {"revenue": "money", "new_customers": "count", "repurchase_rate": "percent", "csat": "score"}
REASON = "Two Globex deals signed on 30 October are missing"
NEW_YORK, SHANGHAI = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")
WEEKDAYS = Calendar()


def check(lines: list[str], **fields: str | None) -> AppealForm:
    values: dict[str, str | None] = {"reason": REASON, **fields}
    return check_appeal(values, lines=lines, metrics=METRICS, currency="USD")


def errors(lines: list[str], **fields: str | None) -> dict[str, str]:
    with pytest.raises(FieldErrors) as raised:
        check(lines, **fields)
    return raised.value.errors


def test_a_valid_appeal_keeps_the_scorecard_order_and_reads_each_value_in_its_unit():
    form = check(
        ["csat", "revenue"],
        evidence="  CRM record 42  ",
        requested_revenue="15k",
        requested_csat="4.5",
    )
    assert form.metrics == ("revenue", "csat")
    assert form.requested == {"revenue": Decimal("15000"), "csat": Decimal("4.5")}
    assert form.evidence == "CRM record 42" and form.reason == REASON


def test_every_wrong_field_is_named_at_once():
    found = errors(
        [],
        reason="short",
        evidence="x" * 3001,
        requested_new_customers="1.5",
    )
    assert set(found) == {"lines", "reason", "evidence", "requested_new_customers"}
    assert f"at least {REASON_MIN}" in found["reason"] and "3,000" in found["evidence"]


def test_a_value_for_a_line_not_disputed_is_an_error():
    assert "not among the disputed lines" in errors(["revenue"], requested_csat="4")["requested_csat"]


def test_a_line_not_on_the_scorecard_is_an_error():
    assert "premium_share is not a line" in errors(["premium_share"])["lines"]


@pytest.mark.parametrize("text", ["<@U123> said so, which is not right", "<!here> look at this evaluation now"])
def test_mention_markup_is_refused(text: str):
    assert "can't contain mentions" in errors(["revenue"], reason=text)["reason"]


def test_the_reason_is_measured_after_trimming():
    assert "is 5 characters" in errors(["revenue"], reason="   short          ")["reason"]
    assert "required" in errors(["revenue"], reason="   ")["reason"]


def test_the_window_skips_the_weekend_and_ends_at_local_midnight():
    opened = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tue, 10:00 in New York
    closes = working_days_end(opened, 10, tz=NEW_YORK, calendar=WEEKDAYS)
    assert closes.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 12, 8, 23, 59, 59)


def test_holidays_are_not_working_days():
    calendar = Calendar(holidays=frozenset({date(2026, 12, 1)}))
    due = working_days_end(datetime(2026, 11, 27, 3, 0, tzinfo=UTC), 2, tz=SHANGHAI, calendar=calendar)
    assert due.astimezone(SHANGHAI).date() == date(2026, 12, 2)  # Fri → Mon, (Tue off) → Wed


def test_the_reminder_falls_on_the_working_day_before_the_due_day():
    due = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # Mon 23:59:59 in Shanghai
    before = working_day_before(due, tz=SHANGHAI, at=time(9, 0), calendar=WEEKDAYS)
    assert before.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(2026, 11, 27, 9, 0)  # the Friday


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)), st.integers(1, 30))
def test_the_deadline_is_a_working_day_and_later_than_the_start(start: datetime, days: int):
    aware = start.replace(tzinfo=UTC)
    end = working_days_end(aware, days, tz=SHANGHAI, calendar=WEEKDAYS)
    assert end > aware and WEEKDAYS.is_working_day(end.astimezone(SHANGHAI).date())
    assert working_day_before(end, tz=SHANGHAI, at=time(9), calendar=WEEKDAYS) < end


def test_a_requested_value_may_be_zero_but_not_below():
    form = check(["new_customers", "repurchase_rate"], requested_new_customers="0", requested_repurchase_rate="0%")
    assert form.requested == {"new_customers": Decimal(0), "repurchase_rate": Decimal(0)}
    assert "can't be below 0" in errors(["new_customers"], requested_new_customers="-1")["requested_new_customers"]
