"""The demo organisation `pacer console` starts with: a manager, three reps (one per built-in
profile, plus a second hunter so a leaderboard has someone to beat), a reviewer and an admin.

Its configuration is an ordinary `PacerConfig`, exactly what a pacer.yml holding the same keys
would give; `people_of` lists the people of any configuration, so a real pacer.yml works too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.config import PacerConfig, ProductLine, Team, Wins

TEAM_ID = "T0DEMO"
WINS_CHANNEL = "C0DEMOWINS"


@dataclass(frozen=True)
class Person:
    user_id: str
    handle: str  # what `:as @handle` and mentions use
    real_name: str
    tz: str
    role: str  # shown by :people

    @property
    def mention(self) -> str:
        return f"<@{self.user_id}|{self.handle}>"


MAYA = Person("UDEMOMAYA", "maya", "Maya Chen", "America/New_York", "manager of all three teams")
HANA = Person("UDEMOHANA", "hana", "Hana Ito", "America/New_York", "hunter (new business, monthly)")
HUGO = Person("UDEMOHUGO", "hugo", "Hugo Silva", "America/New_York", "hunter (new business, monthly)")
FEMI = Person("UDEMOFEMI", "femi", "Femi Adeyemi", "Europe/London", "farmer (accounts, quarterly)")
SOFIA = Person("UDEMOSOFIA", "sofia", "Sofia Rossi", "Europe/London", "strategic rep (premium push, monthly)")
RUI = Person("UDEMORUI", "rui", "Rui Costa", "Europe/London", "reviewer (decides appeals)")
ADA = Person("UDEMOADA", "ada", "Ada Novak", "America/New_York", "admin")

DEMO_PEOPLE: tuple[Person, ...] = (MAYA, HANA, HUGO, FEMI, SOFIA, RUI, ADA)


def demo_config() -> PacerConfig:
    """pacer.yml for the demo organisation, in code."""
    return PacerConfig(
        currency="USD",
        recognition="signed",
        timezone="America/New_York",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[
            Team(name="New business", manager=MAYA.user_id, members=[HANA.user_id, HUGO.user_id], profile="hunter"),
            Team(name="Accounts", manager=MAYA.user_id, members=[FEMI.user_id], profile="farmer"),
            Team(name="Strategic", manager=MAYA.user_id, members=[SOFIA.user_id], profile="strategic"),
        ],
        admins=[ADA.user_id],
        reviewers=[RUI.user_id],
    )


def people_of(config: PacerConfig) -> tuple[Person, ...]:
    """Everyone a configuration names. The demo's own people keep their names; anyone else from a
    pacer.yml is known by their user id (in lower case) and the workspace time zone."""
    known = {person.user_id: person for person in DEMO_PEOPLE}
    found: dict[str, str] = {}
    for team in config.teams:
        found.setdefault(team.manager, f"manager of {team.name}")
        for member in team.members:
            found.setdefault(member, f"{team.profile or config.default_profile} in {team.name}")
        for reviewer in team.reviewers:
            found.setdefault(reviewer, f"reviewer for {team.name}")
    for reviewer in config.reviewers:
        found.setdefault(reviewer, "reviewer")
    for admin in config.admins:
        found.setdefault(admin, "admin")
    return tuple(
        known.get(user_id) or Person(user_id, user_id.lower(), user_id, config.timezone, role)
        for user_id, role in found.items()
    )
