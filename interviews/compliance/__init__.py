"""Candidate rights and hiring-law duties: a path to a human, a recorded human decision, data rights
per candidate (export, erasure, retention with legal holds), an append-only audit log, and the
self-reported data an adverse-impact audit needs. docs/COMPLIANCE.md says which duty each serves.

Modules: models (the records), services (writes: the audit log, candidate requests, decisions),
erasure and retention (erasing a candidate's data; legal holds and the retention purge), selectors
(reads), bundle (one candidate's data as a zip, with the plain-language "how this was evaluated"),
adverse_impact (selection and scoring rates and impact ratios), forms, views (the candidate's two
forms), admin (the staff queue and records), rights_admin (the interview admin's candidate-rights
side: decisions, requests, the data bundle and erasure).
"""
