"""Pure domain logic for Pacer: standard library and pydantic only, no Slack, no database, no clock."""
