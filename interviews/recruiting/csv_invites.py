"""Bulk invites as files: a recruiter's CSV of candidates read and checked row by row, and the CSV
of links written back. No database here: what is already invited is passed in."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from interviews.exceptions import InterviewError

MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 5_000  # candidates per file; a pool larger than that is several rounds anyway
MAX_NAME_CHARS = 200
MAX_EXPIRY_DAYS = 365

# Header names, compared without case, spaces, dashes or underscores.
NAME_HEADERS = {"name", "candidate", "candidatename", "fullname", "이름", "성명", "후보자", "지원자"}
EMAIL_HEADERS = {"email", "emailaddress", "mail", "이메일", "메일"}
EXPIRY_HEADERS = {"expiry", "expires", "expiresat", "expiresin", "expirydate", "deadline", "만료", "만료일"}
_DAYS = re.compile(r"^(\d{1,3})\s*(?:d|days?|일)?$", re.IGNORECASE)


@dataclass(frozen=True)
class CandidateRow:
    line: int  # where the row starts in the file, counted as a text editor or spreadsheet shows it
    name: str
    email: str
    expires_at: datetime | None  # from the file's expiry column; None: the batch's default
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CandidateFile:
    rows: tuple[CandidateRow, ...]
    notices: tuple[str, ...] = ()  # how the file was read (header, ignored columns), for the preview

    @property
    def valid(self) -> list[CandidateRow]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid(self) -> list[CandidateRow]:
        return [row for row in self.rows if not row.ok]


def _bad_file(message: str) -> InterviewError:
    return InterviewError(message, code="bad_file")


def decode_upload(data: bytes) -> str:
    """The uploaded bytes as text: UTF-8 (with or without Excel's BOM) or UTF-16 with a BOM. Any
    other encoding is refused with how to fix it, rather than guessed: a wrong guess (Windows-1252
    for a Korean file) would silently turn names into garbage."""
    if len(data) > MAX_FILE_BYTES:
        raise _bad_file(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB. Split it into smaller files.")
    if not data.strip():
        raise _bad_file("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise _bad_file(
            "This is a spreadsheet workbook (.xlsx), not a CSV file. In Excel choose File > Save As > "
            "CSV UTF-8 (Comma delimited); in Google Sheets File > Download > CSV."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _bad_file("The file starts like UTF-16 text but is not valid UTF-16.") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _bad_file(
                f"The file is not UTF-8 text (the first unreadable byte is on line {line}). Save it as "
                "CSV UTF-8: in Excel, File > Save As > CSV UTF-8 (Comma delimited)."
            ) from exc
    if "\x00" in text:
        raise _bad_file("The file is not a text file (it contains NUL bytes). Upload a CSV file.")
    return text


def _header_key(cell: str) -> str:
    return re.sub(r"[\s_\-]+", "", cell.strip().lower())


def _delimiter(text: str) -> str:
    """Comma, or what the file uses instead (Excel writes semicolons in much of Europe, tabs in
    "Unicode text")."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _expiry(value: str, *, now: datetime, zone: tzinfo) -> tuple[datetime | None, str]:
    """The expiry cell as a time, or an error: a date (the end of that day), a date and time, or a
    number of days ("14", "14d")."""
    value = value.strip()
    if not value:
        return None, ""
    if match := _DAYS.match(value):
        days = int(match.group(1))
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            return None, f"expiry of {days} days is not between 1 and {MAX_EXPIRY_DAYS}"
        return now + timedelta(days=days), ""
    try:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return None, f"expiry {value!r} is not a date (2025-03-31), a date and time, or a number of days"
    if len(value) <= 10:  # a date alone: the link works through that whole day
        parsed = datetime.combine(parsed.date(), time(23, 59, 59))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    if parsed <= now:
        return None, f"expiry {value} is in the past"
    if parsed - now > timedelta(days=MAX_EXPIRY_DAYS):
        return None, f"expiry {value} is more than {MAX_EXPIRY_DAYS} days away"
    return parsed, ""


def read_candidates(text: str, *, now: datetime, zone: tzinfo) -> CandidateFile:
    """The file's candidates, each with what is wrong with it (missing or too long a name, a missing
    or invalid email, a duplicate in the file, a bad expiry). Raises InterviewError for a file that
    cannot be read at all (no rows, too many, not CSV, a header without the needed columns)."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            records.append((start, row))
            start = reader.line_num + 1  # a quoted cell may span lines: the next row starts after them
    except csv.Error as exc:
        raise _bad_file(f"The file could not be read as CSV (line {start}): {exc}.") from exc
    records = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise _bad_file("The file has no rows with a candidate in them.")
    notices: list[str] = []
    first_line, first = records[0]
    keys = [_header_key(cell) for cell in first]
    if any(key in NAME_HEADERS | EMAIL_HEADERS | EXPIRY_HEADERS for key in keys):
        columns = {
            "name": next((i for i, key in enumerate(keys) if key in NAME_HEADERS), None),
            "email": next((i for i, key in enumerate(keys) if key in EMAIL_HEADERS), None),
            "expiry": next((i for i, key in enumerate(keys) if key in EXPIRY_HEADERS), None),
        }
        missing = [name for name in ("name", "email") if columns[name] is None]
        if missing:
            raise _bad_file(
                f"The header row (line {first_line}) has no {' or '.join(repr(m) for m in missing)} column. "
                "Name the columns name, email and (optionally) expiry, or leave the header out and put them "
                "in that order."
            )
        used = {index for index in columns.values() if index is not None}
        ignored = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(first) if i not in used]
        notices.append(f"Read the header on line {first_line}.")
        if ignored:
            notices.append("Ignored columns: " + ", ".join(ignored) + ".")
        records = records[1:]
    else:
        if "@" not in "".join(first) and any("@" in "".join(row) for _line, row in records[1:]):
            raise _bad_file(
                f"Line {first_line} looks like a header, but none of its columns is called name or email. "
                "Name the columns name, email and (optionally) expiry."
            )
        columns = {"name": 0, "email": 1, "expiry": 2}
        if any(len(row) > 3 for _line, row in records):
            notices.append("No header: read the columns as name, email, expiry; columns after the third are ignored.")
        else:
            notices.append("No header: read the columns as name, email and (if there is one) expiry.")
    if not records:
        raise _bad_file("The file has a header but no candidates.")
    if len(records) > MAX_ROWS:
        raise _bad_file(
            f"The file has {len(records):,} candidates; at most {MAX_ROWS:,} can be invited at once. "
            "Split it into smaller files."
        )

    def cell(row: Sequence[str], column: str) -> str:
        index = columns[column]
        return row[index].strip() if index is not None and index < len(row) else ""

    seen: dict[str, int] = {}
    rows = []
    for line, row in records:
        name, email = " ".join(cell(row, "name").split()), cell(row, "email")
        expires_at, expiry_error = _expiry(cell(row, "expiry"), now=now, zone=zone)
        errors = []
        if not name:
            errors.append("missing name")
        elif len(name) > MAX_NAME_CHARS:
            errors.append(f"name longer than {MAX_NAME_CHARS} characters")
        if not email and "@" in name:
            # An address where the name belongs: most likely a file of emails alone, or its columns swapped.
            errors.append("missing email (the name column holds an email address: the columns are name, email)")
        elif not email:
            errors.append("missing email")
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"{email!r} is not a valid email address")
            else:
                key = email.lower()
                if key in seen:
                    errors.append(f"duplicate: {email} is also on line {seen[key]}")
                else:
                    seen[key] = line
        if expiry_error:
            errors.append(expiry_error)
        rows.append(CandidateRow(line=line, name=name, email=email, expires_at=expires_at, errors=tuple(errors)))
    return CandidateFile(rows=tuple(rows), notices=tuple(notices))


def mark_already_invited(candidates: CandidateFile, *, open_invites: Mapping[str, str]) -> CandidateFile:
    """`candidates` with an error on each row whose email (any case) already has an open invite to
    the template; `open_invites` maps lower-case emails to a description of that invite."""
    rows = tuple(
        replace(row, errors=(*row.errors, f"already invited: {open_invites[row.email.lower()]}"))
        if row.email.lower() in open_invites
        else row
        for row in candidates.rows
    )
    return replace(candidates, rows=rows)


# Spreadsheets run a cell that starts with one of these as a formula ("CSV injection"): a name
# like "=HYPERLINK(...)" from an uploaded file must come back as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV that Excel opens as UTF-8 (with a BOM), every cell safe from being run as a formula."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue()
