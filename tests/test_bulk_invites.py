"""Invites from a CSV: every row checked before anything exists, created all at once or not at all,
and a CSV of links back; bad files get a clear message."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.exceptions import InterviewError
from interviews.models import Interview, InviteBatch
from interviews.recruiting import services as recruiting_services
from interviews.recruiting.csv_invites import (
    MAX_ROWS,
    decode_upload,
    mark_already_invited,
    read_candidates,
    spreadsheet_safe,
    write_csv,
)
from tests.factories import make_interview, make_template

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def read(text: str):
    return read_candidates(text, now=NOW, zone=UTC)


# --- reading files (no database) -------------------------------------------------------------------


def test_a_file_with_a_header_is_read_by_column_name_in_any_order_and_extra_columns_are_ignored():
    candidates = read("Email,Phone,Full name,Expiry\nada@example.com,123,Ada Lovelace,2025-03-10\n")
    (row,) = candidates.rows
    assert (row.line, row.name, row.email, row.ok) == (2, "Ada Lovelace", "ada@example.com", True)
    assert row.expires_at == datetime(2025, 3, 10, 23, 59, 59, tzinfo=UTC)  # the whole day
    assert "Ignored columns: Phone." in candidates.notices


def test_a_file_without_a_header_is_name_email_expiry_and_says_so_about_extra_columns():
    candidates = read("Ada Lovelace,ada@example.com,14,London\nGrace Hopper,grace@example.com\n")
    assert [(r.name, r.email) for r in candidates.rows] == [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
    ]
    assert candidates.rows[0].expires_at == NOW + timedelta(days=14)
    assert candidates.rows[1].expires_at is None  # the batch's default
    assert any("columns after the third are ignored" in notice for notice in candidates.notices)


def test_semicolons_and_tabs_are_read_as_excel_writes_them():
    assert read("name;email\nAda;ada@example.com\n").rows[0].email == "ada@example.com"
    assert read("name\temail\nAda\tada@example.com\n").rows[0].email == "ada@example.com"


def test_each_row_says_what_is_wrong_with_it():
    text = (
        "name,email,expiry\n"
        ",nobody@example.com,\n"  # line 2
        "Bad Email,not-an-email,\n"
        "Ada,ada@example.com,\n"
        "Ada Again,ADA@example.com,\n"  # a duplicate, any case
        "No Email,,\n"
        f"{'x' * 201},long@example.com,\n"
        "Past,past@example.com,2020-01-01\n"
        "Far,far@example.com,400\n"
        "Odd,odd@example.com,next week\n"
        "\n"  # blank lines are skipped
        ",,\n"
    )
    rows = {row.line: row for row in read(text).rows}
    assert rows[2].errors == ("missing name",)
    assert rows[3].errors == ("'not-an-email' is not a valid email address",)
    assert rows[4].ok
    assert rows[5].errors == ("duplicate: ADA@example.com is also on line 4",)
    assert rows[6].errors == ("missing email",)
    assert rows[7].errors == ("name longer than 200 characters",)
    assert rows[8].errors == ("expiry 2020-01-01 is in the past",)
    assert rows[9].errors == ("expiry of 400 days is not between 1 and 365",)
    assert rows[10].errors[0].startswith("expiry 'next week' is not a date")
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_a_file_of_email_addresses_alone_says_the_name_column_holds_them():
    (row,) = read("ada@example.com\n").rows
    assert row.errors == ("missing email (the name column holds an email address: the columns are name, email)",)


def test_a_quoted_cell_across_lines_keeps_line_numbers_right():
    rows = read('name,email\n"Ada\nLovelace",ada@example.com\nGrace,bad\n').rows
    assert (rows[0].name, rows[0].line) == ("Ada Lovelace", 2)
    assert rows[1].line == 4 and not rows[1].ok


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\n", "The file is empty."),
        (b"name,email\n", "The file has a header but no candidates."),
        (b",,,\n,,\n", "The file has no rows with a candidate in them."),
        ("name,email\nJosé,jose@example.com\n".encode("cp1252"), "The file is not UTF-8 text"),
        ("이름,이메일\n김민수,kim@example.com\n".encode("cp949"), "The file is not UTF-8 text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet workbook (.xlsx), not a CSV file."),
        (b"name,email\nAda\x00,ada@example.com\n", "The file is not a text file"),
        (b"name,phone\nAda,123\n", "has no 'email' column"),
        (b"Candidate Full Name,Mail Address\nAda,ada@example.com\n", "looks like a header"),
        (b'name,email\n"Ada' + b"x" * 200_000 + b'",a@example.com\n', "could not be read as CSV (line 2)"),
        (b"x" * 5_000_001, "larger than 5 MB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(data, message):
    with pytest.raises(InterviewError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read(decode_upload(data))


def test_utf8_with_a_bom_and_utf16_are_read():
    text = "name,email\n김민수,kim@example.com\n"
    for data in (codecs.BOM_UTF8 + text.encode(), text.encode("utf-16")):
        assert read(decode_upload(data)).rows[0].name == "김민수"


def test_more_rows_than_the_limit_are_refused_as_a_whole():
    rows = "".join(f"C{n},c{n}@example.com\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(InterviewError, match="5,001 candidates; at most 5,000"):
        read(rows)
    assert len(read(rows.split("\n", 1)[1]).rows) == MAX_ROWS


def test_rows_already_invited_are_marked():
    candidates = mark_already_invited(
        read("Ada,Ada@Example.com\nGrace,grace@example.com\n"),
        open_invites={"ada@example.com": "interview 7 (invited)"},
    )
    assert candidates.rows[0].errors == ("already invited: interview 7 (invited)",)
    assert candidates.rows[1].ok


def test_the_csv_written_back_is_excel_utf8_and_never_runs_a_formula():
    text = write_csv(["name", "link"], [['=HYPERLINK("http://evil")', "https://x/i/t/"], ["김민수", "-1"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[2] == ["김민수", "'-1"]
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_safe("Ada") == "Ada"


# --- the admin flow -------------------------------------------------------------------------------


def upload(client: Client, template_id: int, content: bytes, *, days: int = 7, name: str = "candidates.csv"):
    return client.post(
        reverse("admin:interviews_interview_bulk_invite"),
        {"template": template_id, "expires_in_days": days, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


TEN = "name,email\n" + "".join(f"Candidate {n},candidate{n}@example.com\n" for n in range(10))


@pytest.mark.django_db
def test_ten_candidates_are_previewed_then_created_at_once_with_a_csv_of_links(staff_client, settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    template = make_template()
    response = upload(staff_client, template.pk, TEN.encode())
    batch = InviteBatch.objects.get()
    assert response["Location"] == reverse("admin:interviews_interview_bulk_batch", args=[batch.pk])
    preview = staff_client.get(response["Location"]).content.decode()
    assert "<strong>10</strong> of 10 row(s) can be invited" in preview
    assert "Nothing has been created yet." in preview
    assert not Interview.objects.exists()  # a preview creates nothing

    response = staff_client.post(response["Location"], {"expected": 10})
    assert Interview.objects.filter(invite_batch=batch).count() == 10
    result = staff_client.get(response["Location"]).content.decode()
    assert "Created <strong>10</strong> invite(s)" in result
    batch.refresh_from_db()
    assert batch.completed_at is not None and batch.source_text == ""  # the names now live in the interviews

    links = staff_client.get(reverse("admin:interviews_interview_bulk_links", args=[batch.pk]))
    assert links["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in links["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(links.content.decode().removeprefix("\ufeff"))))
    assert len(rows) == 10
    first = Interview.objects.get(candidate_email="candidate0@example.com")
    assert rows[0]["invite_link"] == f"https://jobs.example.com/i/{first.invite_token}/"
    assert rows[0]["name"] == "Candidate 0" and rows[0]["interview_id"] == str(first.pk)
    assert all(i.template_version == template.version and not i.is_test for i in Interview.objects.all())


@pytest.mark.django_db
def test_rows_with_problems_are_listed_and_skipped_only_when_confirmed(staff_client):
    template = make_template()
    make_interview(template=template, candidate_email="taken@example.com")
    content = (
        "name,email\nAda,ada@example.com\n,anon@example.com\nBad,bad-email\nAda Two,ADA@example.com\n"
        "Taken,taken@example.com\n"
    )
    response = upload(staff_client, template.pk, content.encode())
    page = staff_client.get(response["Location"]).content.decode()
    assert "<strong>1</strong> of 5 row(s) can be invited" in page
    for problem in (
        "missing name",
        "&#x27;bad-email&#x27; is not a valid email address",
        "duplicate: ADA@example.com is also on line 2",
        "already invited: interview",
    ):
        assert problem in page, problem
    assert "Create 1 invite(s), skipping 4 row(s)" in page
    assert Interview.objects.count() == 1
    staff_client.post(response["Location"], {"expected": 1, "send_invites": "on"})
    assert list(Interview.objects.filter(invite_batch__isnull=False).values_list("candidate_name", flat=True)) == [
        "Ada"
    ]
    from django.core import mail

    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


@pytest.mark.django_db
def test_a_bad_file_gets_its_message_on_the_upload_page_and_nothing_is_kept(staff_client):
    template = make_template()
    for content, message in [
        (b"", "The submitted file is empty."),  # Django's own check, before ours
        ("name,email\nJosé,jose@example.com\n".encode("cp1252"), "The file is not UTF-8 text"),
        (b"name,email\n", "The file has a header but no candidates."),
    ]:
        page = upload(staff_client, template.pk, content).content.decode()
        assert message in page, message
    assert not InviteBatch.objects.exists()


@pytest.mark.django_db
def test_nothing_is_half_created_when_the_creation_fails_midway(staff_client, monkeypatch):
    template = make_template()
    response = upload(staff_client, template.pk, TEN.encode())
    batch = InviteBatch.objects.get()
    monkeypatch.setattr(recruiting_services, "BULK_CREATE_BATCH", 3)  # several INSERTs, then a failure

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(InviteBatch, "save", fail)  # after every interview was inserted
    with pytest.raises(RuntimeError):
        recruiting_services.invite_batch_confirm(batch_id=batch.pk, expected=10)
    assert not Interview.objects.exists()
    monkeypatch.undo()
    staff_client.post(response["Location"], {"expected": 10})
    assert Interview.objects.count() == 10


@pytest.mark.django_db
def test_a_second_confirmation_creates_nothing_more(staff_client):
    template = make_template()
    response = upload(staff_client, template.pk, TEN.encode())
    staff_client.post(response["Location"], {"expected": 10})
    again = staff_client.post(response["Location"], {"expected": 10})  # a double click, or the back button
    assert again.status_code == 200
    assert Interview.objects.count() == 10
    batch = InviteBatch.objects.get()
    with pytest.raises(InterviewError, match="already created"):
        recruiting_services.invite_batch_confirm(batch_id=batch.pk, expected=10)


@pytest.mark.django_db
def test_a_preview_that_no_longer_holds_is_shown_again_instead_of_created(staff_client):
    template = make_template()
    response = upload(staff_client, template.pk, TEN.encode())
    make_interview(template=template, candidate_email="candidate3@example.com")  # invited meanwhile
    page = staff_client.post(response["Location"], {"expected": 10}).content.decode()
    assert "The check changed since the preview: 9 rows can be invited now, not 10." in page
    assert Interview.objects.count() == 1


@pytest.mark.django_db
def test_five_thousand_candidates_in_one_file(staff_client):
    template = make_template()
    content = "name,email,expiry\n" + "".join(f"Candidate {n},c{n}@example.com,30\n" for n in range(5_000))
    started = timezone.now()
    response = upload(staff_client, template.pk, content.encode())
    page = staff_client.get(response["Location"]).content.decode()
    assert "<strong>5000</strong> of 5000 row(s) can be invited" in page
    assert "… and 4800 more." in page  # the preview lists 200 valid rows, not 5,000
    with CaptureQueriesContext(connection) as queries:
        staff_client.post(response["Location"], {"expected": 5000})
    assert Interview.objects.count() == 5000
    assert len(queries) < 40  # batched inserts, one duplicate check: not a query per row
    links = staff_client.get(reverse("admin:interviews_interview_bulk_links", args=[InviteBatch.objects.get().pk]))
    assert links.content.decode().count("\n") == 5001
    soonest = Interview.objects.order_by("expires_at").first()
    assert soonest is not None and soonest.expires_at - started > timedelta(days=29)


@pytest.mark.django_db
def test_unconfirmed_uploads_are_dropped_after_a_day(staff_client):
    template = make_template()
    upload(staff_client, template.pk, TEN.encode())
    InviteBatch.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(staff_client, template.pk, TEN.encode())
    assert InviteBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_result_page_emails_the_candidates_not_yet_emailed(staff_client):
    from django.core import mail

    template = make_template()
    response = upload(staff_client, template.pk, TEN.encode())
    staff_client.post(response["Location"], {"expected": 10})
    page = staff_client.get(response["Location"]).content.decode()
    assert "10 candidate(s) have not been emailed their link yet." in page
    staff_client.post(response["Location"], {"send": "unsent"})
    assert len(mail.outbox) == 10
    assert "have not been emailed" not in staff_client.get(response["Location"]).content.decode()
