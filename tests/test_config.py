"""pacer.yml and the environment: broken settings fail at start, naming the file, key and problem."""

from datetime import date
from decimal import Decimal

import pytest

from bot.config import ConfigError, load_config
from bot.settings import Settings

EXAMPLE = """\
currency: usd
recognition: paid
timezone: Asia/Shanghai
product_lines:
  - {name: Core}
  - {name: Enterprise, premium: true}
wins: {channel: C0WINS001, threshold: 50000}
teams:
  - {name: East, manager: U0MGR0001, members: [U0REP0001, U0REP0002]}
admins: [U0ADM0001]
"""


def write(tmp_path, text):
    path = tmp_path / "pacer.yml"
    path.write_text(text)
    return path


def test_a_valid_file_is_loaded(tmp_path):
    config = load_config(write(tmp_path, EXAMPLE))
    assert config.currency == "USD" and config.recognition == "paid"
    assert config.product_names == ["Core", "Enterprise"]
    assert config.wins.threshold == Decimal("50000")
    assert config.role_of("U0MGR0001") == "manager" and config.role_of("U0ADM0001") == "admin"
    assert config.role_of("U0REP0001") == "rep" and config.team_of("U0REP0002").name == "East"


def test_no_file_means_working_defaults():
    config = load_config(None)
    assert (config.currency, config.recognition, config.wins, config.product_lines) == ("USD", "signed", None, [])


def test_the_shipped_example_is_valid():
    from pathlib import Path

    config = load_config(Path(__file__).resolve().parent.parent / "pacer.example.yml")
    assert config.product_lines


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("wins: {channel: general, threshold: 100}", "wins.channel", "channel id"),
        ("wins: {channel: C0WINS001, threshold: lots}", "wins.threshold", "isn't a number"),
        ("currency: EUR\nwins: {channel: C0WINS001, threshold: $50k}", "wins.threshold", "in EUR"),
        ("wins:\n  channel: #wins\n  threshold: 50k", "wins.channel", "a #name after `channel:` is a YAML comment"),
        ("calendar: {holidays: [2026-13-25]}", "calendar.holidays.0", "not a real date: write it as YYYY-MM-DD"),
        ("calendar: {holidays: [2026-02-30]}", "calendar.holidays.0", "not a real date"),
        ("appeals: {window_working_days: ten}", "appeals.window_working_days", "not a whole number"),
        ("recognition: booked", "recognition", "'signed' or 'paid'"),
        ("currency: dollars", "currency", "three-letter"),
        ("timezone: Mars/Olympus", "timezone", "IANA"),
        ("teams: [{name: A, manager: bob}]", "teams.0.manager", "Slack user id"),
        ("colour: blue", "colour", "unknown key"),
        ("reviewers: [dana]", "reviewers", "Slack user id"),
        ("teams: [{name: A, manager: U0M1, reviewers: [ops]}]", "teams.0.reviewers", "Slack user id"),
        ("appeals: {window_working_days: 0}", "appeals.window_working_days", "greater than or equal to 1"),
        ("appeals: {decision_working_days: 31}", "appeals.decision_working_days", "less than or equal to 30"),
        ("product_lines: [{name: Core}, {name: core}]", "(top level)", "listed twice"),
        (
            "teams: [{name: A, manager: U0M1, members: [U0R1]}, {name: B, manager: U0M2, members: [U0R1]}]",
            "(top level)",
            "in two teams",
        ),
    ],
)
def test_a_broken_file_names_the_file_the_key_and_the_problem(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message and f"{key}:" in message and problem in message


def test_invalid_yaml_reports_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: not valid YAML"):
        load_config(write(tmp_path, "currency: USD\nteams: [a, b\nadmins: []\n"))


def test_settings_come_from_the_environment_and_name_what_run_is_missing(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().missing_for_run() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert Settings().missing_for_run() == ["SLACK_BOT_TOKEN"]  # Socket Mode needs no signing secret
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    assert Settings().slack_api_url == "http://127.0.0.1:9/api/"


def test_settings_are_read_from_a_dot_env_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    assert Settings().slack_bot_token.get_secret_value() == "xoxb-from-dotenv"


def test_appeals_go_to_the_teams_own_reviewers_else_the_workspaces(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "reviewers: [U0OPS1, U0OPS2]\n"
            "appeals: {window_working_days: 8, decision_working_days: 3}\n"
            "teams:\n"
            "  - {name: East, manager: U0M1, members: [U0R1], reviewers: [U0EAST]}\n"
            "  - {name: West, manager: U0M2, members: [U0R2]}\n",
        )
    )
    assert config.reviewer_pool("U0R1") == ["U0EAST"]
    assert config.reviewer_pool("U0R2") == ["U0OPS1", "U0OPS2"]
    assert config.reviewer_pool("U0NOTEAM") == ["U0OPS1", "U0OPS2"]
    assert (config.appeals.window_working_days, config.appeals.decision_working_days) == (8, 3)


def test_appeal_defaults_are_ten_working_days_to_file_and_five_to_decide():
    config = load_config(None)
    assert (config.appeals.window_working_days, config.appeals.decision_working_days) == (10, 5)
    assert config.reviewer_pool("U0ANY") == []


def test_a_key_given_twice_is_an_error_naming_its_line(tmp_path):
    path = write(tmp_path, "currency: USD\ntimezone: UTC\ncurrency: EUR\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"{path}: line 3, column 1" in str(error.value)
    assert "'currency' is given twice (first on line 1); keep one" in str(error.value)


def test_a_nested_key_given_twice_is_an_error_too(tmp_path):
    path = write(tmp_path, "evaluations:\n  close_at: '06:00'\n  close_at: '07:00'\n")
    with pytest.raises(ConfigError, match="'close_at' is given twice"):
        load_config(path)


def test_holidays_are_read_as_dates_and_a_threshold_in_any_deal_amount_form(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "currency: CNY\n"
            "calendar: {holidays: [2026-12-25, '2027-01-01']}\n"
            "wins: {channel: C0WINS001, threshold: 5万}\n",
        )
    )
    assert config.calendar.holidays == [date(2026, 12, 25), date(2027, 1, 1)]
    assert not config.calendar.calendar().is_working_day(date(2026, 12, 25))
    assert config.wins is not None and config.wins.threshold == Decimal("50000")


def test_a_postgres_url_in_the_short_form_many_hosts_give_is_accepted(monkeypatch, tmp_path):
    from bot.store.engine import make_engine

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://pacer:secret@db.example.com:5432/pacer")
    settings = Settings()
    assert settings.database_url == "postgresql://pacer:secret@db.example.com:5432/pacer"
    engine = make_engine(settings.database_url)  # nothing connects until a query
    assert (engine.url.drivername, engine.url.host, engine.url.database) == (
        "postgresql+psycopg",
        "db.example.com",
        "pacer",
    )
    engine.dispose()
