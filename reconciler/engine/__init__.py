"""Runs the job: one account (read, plan, apply), several accounts, saved plans, export."""
