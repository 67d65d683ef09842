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
APPEAL = "/appeal"
CHECKIN = "/checkin"
COMMANDS = (DEAL, ACTIVITY, PROGRESS, SCORECARD, GOAL, LEADERBOARD, CHECKIN, APPEAL, PACER)

# Events (manifest.yml: settings.event_subscriptions.bot_events)
USER_CHANGE = "user_change"
APP_HOME_OPENED = "app_home_opened"
MESSAGE = "message"  # replies in a check-in thread (manifest: message.mpim), recorded as comments
APP_UNINSTALLED = "app_uninstalled"  # logged with what the admin may run; nothing is deleted by itself
EVENTS = (USER_CHANGE, APP_HOME_OPENED, MESSAGE, APP_UNINSTALLED)

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
# The check-in thread's next-step buttons; each button's value is the evaluation id
CHECKIN_SELF_REVIEW = "checkin_self_review"  # the rep writes (or edits) their self-review
CHECKIN_FEEDBACK = "checkin_feedback"  # the manager writes (or edits) feedback and the improvement plan
CHECKIN_ACKNOWLEDGE = "checkin_acknowledge"  # the rep: "I have read this"
CHECKIN_APPEAL = "checkin_appeal"  # the rep appeals this evaluation (opens the appeal form, preselected)
# Appeals (value: the appeal id)
APPEAL_DECIDE = "appeal_decide"  # the assigned reviewer (or an admin) opens the decision form
APPEAL_WITHDRAW = "appeal_withdraw"  # the rep withdraws an open appeal (from /appeal status)
APPEAL_PICK_EVALUATION = "appeal_pick_evaluation"  # in the appeal form: the evaluation chosen redraws its lines
FEEDBACK_ADD_ITEM = "feedback_add_item"  # in the feedback form: one more improvement-plan row (up to 5)

# Modal callback ids and their input blocks
DEAL_MODAL = "deal_modal"
DEAL_RECEIPT = "deal_receipt"
ACTIVITY_MODAL = "activity_modal"
ACTIVITY_RECEIPT = "activity_receipt"
SELF_REVIEW_MODAL = "self_review_modal"  # private_metadata: {"evaluation": id, "base": version edited (0: new)}
FEEDBACK_MODAL = "feedback_modal"  # private_metadata as the self-review's
APPEAL_MODAL = "appeal_modal"  # private_metadata: {"evaluation": id or absent}
DECISION_MODAL = "appeal_decision_modal"  # private_metadata: {"appeal": id}
NUDGE_SNOOZE_DAY = "nudge_snooze_day"
NUDGE_SNOOZE_WEEK = "nudge_snooze_week"
