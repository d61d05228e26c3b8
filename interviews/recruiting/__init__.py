"""The recruiter's day in the browser: invites (one, by email, from a CSV), a plan drafted from a
job description, a staff preview, and candidates compared side by side.

Modules: csv_invites (reading a candidates file, writing the links), question_library and plans
(the drafted question plan and rubric, offline or by a language model; the library's criteria and
role families are data/*.json), links (an invite link extended, revoked or replaced), selectors and
services (the recruiter's other reads and writes), views (the comparison and overview pages), and
in admin: template_admin (templates, plan drafts, previews), invite_admin (the interview admin's
link operations and bulk invites).
"""
