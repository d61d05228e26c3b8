"""Candidate rights and hiring-law duties: a path to a human, a recorded human decision, data rights
per candidate (export, erasure, retention with legal holds), an append-only audit log, and the
self-reported data an adverse-impact audit needs. docs/COMPLIANCE.md says which duty each serves.

Modules: models (the records), services (writes), selectors (reads), bundle (one candidate's data as a
zip, with the plain-language "how this was evaluated"), adverse_impact (selection and scoring rates
and impact ratios), forms, views (the candidate's two forms), admin (the staff queue and records).
"""
