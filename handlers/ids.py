"""Every command, action id, callback id and event Pacer listens to — the manifest must match."""

from __future__ import annotations

# Slash commands (manifest.yml: features.slash_commands)
DEAL = "/deal"
ACTIVITY = "/activity"
PROGRESS = "/progress"
SCORECARD = "/scorecard"
GOAL = "/goal"
LEADERBOARD = "/leaderboard"
PACER = "/pacer"
COMMANDS = (DEAL, ACTIVITY, PROGRESS, SCORECARD, GOAL, LEADERBOARD, PACER)

# Events (manifest.yml: settings.event_subscriptions.bot_events)
USER_CHANGE = "user_change"
APP_HOME_OPENED = "app_home_opened"
EVENTS = (USER_CHANGE, APP_HOME_OPENED)

# Block actions
DEAL_UNDO = "deal_undo"
DEAL_MARK_PAID = "deal_mark_paid"
DEAL_LOG_AGAIN = "deal_log_again"
DEAL_PICK_CUSTOMER = "deal_pick_customer"
DEAL_NEW_CUSTOMER = "deal_new_customer"
DEAL_CANCEL = "deal_cancel"
ACTIVITY_UNDO = "activity_undo"
HOME_LOG_DEAL = "home_log_deal"  # "Log a deal" on the Home tab and in the daily nudge
HOME_LOG_ACTIVITY = "home_log_activity"
LEADERBOARD_MORE = "leaderboard_more"  # Show more: the next places of a long board
SETTINGS_MORE = "settings_more"  # Show more: the next members in /pacer settings

# Modal callback ids and their input blocks
DEAL_MODAL = "deal_modal"
DEAL_RECEIPT = "deal_receipt"
ACTIVITY_MODAL = "activity_modal"
ACTIVITY_RECEIPT = "activity_receipt"
NUDGE_SNOOZE_DAY = "nudge_snooze_day"
NUDGE_SNOOZE_WEEK = "nudge_snooze_week"
