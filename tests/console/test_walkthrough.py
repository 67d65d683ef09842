"""The README's "Try it in one minute" is exactly what the console prints for its script."""

from __future__ import annotations

from bot.console import walkthrough


def test_the_readme_shows_what_the_walkthrough_script_prints() -> None:
    shown = walkthrough.readme_block(walkthrough.README.read_text(encoding="utf-8"))
    assert shown == walkthrough.block_for(walkthrough.transcript()), "run `make walkthrough` and commit README.md"


def test_the_walkthrough_logs_a_deal_presses_a_button_fixes_a_modal_and_crosses_a_period_close() -> None:
    shown = walkthrough.transcript()
    for seen in ("Logged *D-1*", "(you press “Mark paid”)", "*Score", "⚠ Amount:", "Check-in: @hana with @maya"):
        assert seen in shown
