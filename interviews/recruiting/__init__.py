"""The recruiter's day in the browser: invites (one, by email, from a CSV), a plan drafted from a
job description, a staff preview, and candidates compared side by side.

Modules: csv_invites (reading a candidates file, writing the links), question_library and plans
(the drafted question plan and rubric, offline or by a language model), selectors and services (the
recruiter's reads and writes), views (the comparison and overview pages; the rest lives in admin).
"""
