"""Scheduled jobs: the registry the scheduler dispatches and `pacer jobs` lists and runs."""
