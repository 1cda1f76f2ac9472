"""Everything that leaves the office by email: applying the workflow's effects, composing from the
templates, the outbox and its SMTP sender, deadlines and the recap/report jobs.
"""
