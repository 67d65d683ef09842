"""Evaluation exports: rows, metric columns, CSV safe to open in a spreadsheet, exact JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.evaluations import MetricResult
from scoring.exports import (
    FIXED_COLUMNS,
    FORMULA_STARTS,
    EvaluationRecord,
    metric_names,
    neutralise,
    to_csv,
    to_json,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)
FROZEN_AT = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
NUMERIC = {"score", "version", "payout_total"}  # and every points:<metric> column


def line(metric: str, points: str, *, actual: str = "10", target: str | None = "20") -> MetricResult:
    return MetricResult(
        metric=metric,
        label=metric,
        unit="count",
        actual=Decimal(actual),
        has_data=True,
        target=None if target is None else Decimal(target),
        target_from=None if target is None else "profile",
        weight=Decimal(50),
        cap=Decimal("1.5"),
        gate=None,
        attainment=None,
        capped=Decimal(0),
        points=Decimal(points),
        reason=None,
        records="deals",
        sources={},
    )


def record(
    name: str = "Dana",
    *,
    user_id: str = "UREP0001",
    profile: str = "hunter",
    lines: tuple[MetricResult, ...] = (line("revenue", "32.00"), line("deals", "15.50")),
    team: str | None = "East",
    rating: str = "Below",
    score: Decimal | None = None,
    payout: Decimal = Decimal("5000.00"),
) -> EvaluationRecord:
    return EvaluationRecord(
        workspace="T1",
        period="2026-11",
        rep_user_id=user_id,
        rep_name=name,
        manager_user_id="UMGR0001",
        team=team,
        profile=profile,
        score=score if score is not None else sum((ln.points for ln in lines), Decimal(0)),
        rating=rating,
        status="Open",
        version=1,
        frozen_at=FROZEN_AT,
        payout_total=payout,
        currency="USD",
        lines=lines,
    )


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_name_that_starts_with_a_formula_character_gets_a_quote_in_front():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("@SUM(1)") == "'@SUM(1)"
    assert neutralise("+1") == "'+1" and neutralise("-1") == "'-1"
    assert neutralise("\tTab") == "'\tTab" and neutralise("\rCR") == "'\rCR"
    assert neutralise("Dana = boss") == "Dana = boss" and neutralise("") == ""


def test_the_metric_columns_are_the_union_of_the_profiles_and_empty_where_a_profile_lacks_one():
    hunter = record("Dana", lines=(line("revenue", "32.00"), line("new_customers", "15.00")))
    farmer = record(
        "Fay", user_id="UREP0003", profile="farmer", lines=(line("repeat_revenue", "40.00"), line("csat", "20.00"))
    )

    rows = read_csv(to_csv([hunter, farmer]))

    assert metric_names([hunter, farmer]) == ["repeat_revenue", "csat", "revenue", "new_customers"]
    assert list(rows[0]) == [
        *FIXED_COLUMNS,
        "points:repeat_revenue",
        "points:csat",
        "points:revenue",
        "points:new_customers",
    ]
    dana, fay = rows
    assert (dana["points:revenue"], dana["points:new_customers"], dana["points:csat"]) == ("32.00", "15.00", "")
    assert (fay["points:repeat_revenue"], fay["points:revenue"]) == ("40.00", "")


def test_rows_are_ordered_by_rep_name_whatever_the_order_they_came_in():
    rows = read_csv(to_csv([record("lee", user_id="U2"), record("Ann", user_id="U3"), record("dana", user_id="U1")]))
    assert [row["rep_name"] for row in rows] == ["Ann", "dana", "lee"]


def test_numbers_stay_numbers_and_text_from_people_is_neutralised():
    hostile = record('=HYPERLINK("x")', team="@SUM(1)", rating="-Below", lines=(line("revenue", "32.10"),))

    [row] = read_csv(to_csv([hostile]))

    assert row["rep_name"] == '\'=HYPERLINK("x")' and row["team"] == "'@SUM(1)" and row["rating"] == "'-Below"
    numbers = (row["score"], row["points:revenue"], row["payout_total"], row["version"])
    assert numbers == ("32.10", "32.10", "5000.00", "1")
    assert row["frozen_at"] == "2026-11-30T22:00:00+00:00"


def test_no_evaluations_is_just_the_header_in_csv_and_an_empty_list_in_json():
    assert to_csv([]) == ",".join(FIXED_COLUMNS) + "\r\n"
    assert json.loads(to_json([])) == []


def test_json_keeps_text_as_stored_and_every_number_as_an_exact_decimal_string():
    exact = record(
        '=HYPERLINK("x")',
        lines=(line("revenue", "32.10", actual="80000.005", target="100000.50"), line("deals", "0", target=None)),
        payout=Decimal("4000.10"),
    )

    [row] = json.loads(to_json([exact]))

    assert row["rep_name"] == '=HYPERLINK("x")'
    numbers = (row["score"], row["payout_total"], row["points:revenue"], row["version"])
    assert numbers == ("32.10", "4000.10", "32.10", 1)
    assert row["metrics"] == [
        {
            "metric": "revenue",
            "actual": "80000.005",
            "target": "100000.50",
            "target_from": "profile",
            "weight": "50",
            "points": "32.10",
        },
        {"metric": "deals", "actual": "10", "target": None, "target_from": None, "weight": "50", "points": "0"},
    ]


# --- property: nothing a spreadsheet would run ---------------------------------------------------------

people_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
formulaic = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), people_text)
hostile_text = st.one_of(people_text, formulaic)
points = st.decimals(min_value=Decimal(0), max_value=Decimal(200), places=2)
metrics = st.lists(st.sampled_from(["revenue", "deals", "csat", "training"]), min_size=1, max_size=4, unique=True)


@st.composite
def records(draw: st.DrawFn) -> EvaluationRecord:
    lines = tuple(line(metric, str(draw(points))) for metric in draw(metrics))
    return record(
        draw(hostile_text),
        user_id=f"U{draw(st.integers(1, 10**6))}",
        profile=draw(hostile_text),
        lines=lines,
        team=draw(st.none() | hostile_text),
        rating=draw(hostile_text),
        payout=draw(st.decimals(min_value=Decimal(0), max_value=Decimal(10**9), places=2)),
    )


@PROPERTY
@given(st.lists(records(), max_size=5))
def test_no_text_cell_read_back_starts_with_a_formula_character_unless_it_is_a_number_pacer_wrote(rows):
    text = to_csv(rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    header, body = read[0], read[1:]

    assert len(body) == len(rows)
    for cells in body:
        assert len(cells) == len(header)
        for column, cell in zip(header, cells, strict=True):
            if column in NUMERIC or column.startswith("points:"):
                assert cell == "" or Decimal(cell) >= 0
            elif cell.startswith(FORMULA_STARTS):
                raise AssertionError(f"{column} = {cell!r} would be read as a formula")
    names = sorted(neutralise(r.rep_name) for r in rows)
    assert sorted(cells[header.index("rep_name")] for cells in body) == names


@PROPERTY
@given(hostile_text)
def test_neutralising_adds_one_quote_only_in_front_of_a_formula_character(text):
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe == text or (text.startswith(FORMULA_STARTS) and safe == "'" + text)
