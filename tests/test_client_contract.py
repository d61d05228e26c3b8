"""The page and the server speak one wire protocol: static/interviews/protocol.js names exactly what
interviews/protocol.py defines, the socket client handles every frame the server sends, and
docs/DESIGN.md's wire tables list them all. Plain text checks of the JavaScript, no browser, no Node."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from interviews import protocol
from interviews.events import HistoryItem
from interviews.models import Interview, Turn

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static" / "interviews"
PROTOCOL_JS = STATIC / "protocol.js"
CLIENT_JS = STATIC / "client.js"
DESIGN_MD = ROOT / "docs" / "DESIGN.md"
# The interview page's own modules; player.js, audio-tools.js and invite.js know nothing of the wire.
PAGE_MODULES = sorted(
    path for path in STATIC.glob("*.js") if path.name not in {"protocol.js", "player.js", "audio-tools.js", "invite.js"}
)


# --- a small JavaScript tokenizer: enough to read constants, string literals and a switch -----------


@dataclass(frozen=True)
class Token:
    kind: str  # "string" (its value), "number", "name", "punct" or "regex"
    text: str
    line: int


_PUNCT = re.compile(r"\.\.\.|=>|===|!==|==|!=|&&|\|\||\?\?|\?\.|[{}()\[\];,.:?=!<>+\-*/%&|^~]")
# After these a "/" starts a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};") | {"return", "=>", "&&", "||", "??", "==", "===", "!=", "!=="}


def tokenize(source: str) -> list[Token]:
    """Names, numbers, punctuation and string values (template literals' fixed parts too), without comments."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(source)
    template_depth: list[int] = []  # brace depth at each open `${` of a template literal
    braces = 0

    def read_template(start: int) -> int:
        """Read template text from `start` up to its closing backtick or a `${`; return where code resumes."""
        nonlocal line
        j, text = start, []
        while j < n:
            ch = source[j]
            if ch == "\\":
                text.append(source[j + 1])
                j += 2
                continue
            if ch == "`":
                tokens.append(Token("string", "".join(text), line))
                return j + 1
            if source.startswith("${", j):
                tokens.append(Token("string", "".join(text), line))
                template_depth.append(braces)
                return j + 2
            line += ch == "\n"
            text.append(ch)
            j += 1
        raise ValueError("unterminated template literal")

    while i < n:
        ch = source[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end == -1 else end
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            line += source.count("\n", i, end)
            i = end
        elif ch in "\"'":
            j, text = i + 1, []
            while source[j] != ch:
                if source[j] == "\\":
                    text.append(source[j + 1])
                    j += 2
                else:
                    text.append(source[j])
                    j += 1
            tokens.append(Token("string", "".join(text), line))
            i = j + 1
        elif ch == "`":
            i = read_template(i + 1)
        elif ch == "}" and template_depth and template_depth[-1] == braces:
            template_depth.pop()
            i = read_template(i + 1)
        elif ch == "/" and (not tokens or tokens[-1].text in _REGEX_AFTER):
            j, in_class = i + 1, False
            while in_class or source[j] != "/":
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and source[j].isalpha():
                j += 1
            tokens.append(Token("regex", source[i:j], line))
            i = j
        elif ch.isdigit():
            match = re.compile(r"0[xX][0-9a-fA-F_]+|\d[\d_]*(\.\d+)?([eE][+-]?\d+)?").match(source, i)
            tokens.append(Token("number", match.group(0), line))
            i = match.end()
        elif ch.isalpha() or ch in "_$#":
            match = re.compile(r"[#\w$]+").match(source, i)
            tokens.append(Token("name", match.group(0), line))
            i = match.end()
        else:
            match = _PUNCT.match(source, i)
            if not match:
                raise ValueError(f"unexpected {ch!r} on line {line}")
            text = match.group(0)
            braces += (text == "{") - (text == "}")
            tokens.append(Token("punct", text, line))
            i = match.end()
    return tokens


def texts(tokens: list[Token]) -> list[str]:
    return [token.text for token in tokens]


def closing(tokens: list[Token], start: int) -> int:
    """Index of the bracket that closes the one at `start`."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opening, depth = tokens[start].text, 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind != "punct":
            continue
        depth += (token.text == opening) - (token.text == pairs[opening])
        if depth == 0:
            return index
    raise ValueError(f"unclosed {opening!r} on line {tokens[start].line}")


@dataclass(frozen=True)
class Reference:
    """An entry whose value is another constant, e.g. `SESSION_STATE: ServerFrame.SESSION_STATE`."""

    source: str


def frozen_objects(path: Path, known: dict | None = None) -> dict[str, dict[str, str | int | Reference]]:
    """Every `export const Name = Object.freeze({KEY: value, ...});` of a module, by name. A value is a
    string or a number, or a Reference when it is anything else; `...Other` takes the entries of Other
    (of this module, or of `known`). Anything but `KEY: value` or `...Other` fails here, never skipped."""
    tokens = tokenize(path.read_text())
    found: dict[str, dict[str, str | int | Reference]] = {}
    known = known or {}
    for index in range(len(tokens) - 8):
        head = texts(tokens[index : index + 8])
        if head[:2] != ["export", "const"] or head[3:8] != ["=", "Object", ".", "freeze", "("]:
            continue
        name, body_start = head[2], index + 8
        assert tokens[body_start].text == "{", f"{path.name}: {name} does not freeze an object literal"
        body = tokens[body_start + 1 : closing(tokens, body_start)]
        entries: dict[str, str | int | Reference] = {}
        for entry in split_top_level(body):
            if texts(entry[:1]) == ["..."]:
                entries.update(found.get(entry[1].text) or known[entry[1].text])
                continue
            key, colon, *value = entry
            assert key.kind == "name" and colon.text == ":" and value, f"{path.name}: {name}, line {key.line}"
            assert key.text not in entries, f"{path.name}: {name}.{key.text} twice"
            if len(value) == 1 and value[0].kind == "string":
                entries[key.text] = value[0].text
            elif len(value) == 1 and value[0].kind == "number":
                entries[key.text] = number_value(value[0].text)
            else:
                entries[key.text] = Reference("".join(texts(value)))
        found[name] = entries
    return found


def split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split at the commas outside brackets (an object literal's entries); a trailing comma is fine."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in ("{", "(", "["):
            depth += 1
        elif token.kind == "punct" and token.text in ("}", ")", "]"):
            depth -= 1
        if depth == 0 and token.text == "," and token.kind == "punct":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def number_value(text: str) -> int | float:
    text = text.replace("_", "")
    if text.lower().startswith("0x"):
        return int(text, 16)
    return float(text) if any(mark in text for mark in ".eE") else int(text)


def switch_cases(tokens: list[Token], discriminant: list[str]) -> dict[str, list[Token]]:
    """The first `switch (<discriminant>) {...}` in `tokens`: each label (`case A.B:` as "A.B", or
    "default") with the tokens of its body up to the next label; labels in a row share one body."""
    for index in range(len(tokens)):
        if tokens[index].text == "switch" and texts(tokens[index + 2 : index + 2 + len(discriminant)]) == discriminant:
            block = closing(tokens, index + 1) + 1
            break
    else:
        raise AssertionError(f"no switch ({''.join(discriminant)})")
    body = tokens[block + 1 : closing(tokens, block)]
    cases: dict[str, list[Token]] = {}
    labels: list[str] = []  # read since the last statement: they share the body that follows
    current: list[Token] = []
    depth, index = 0, 0
    while index < len(body):
        token = body[index]
        if depth == 0 and token.kind == "name" and token.text in ("case", "default"):
            colon = next(at for at in range(index, len(body)) if body[at].text == ":")
            labels.append("".join(texts(body[index + 1 : colon])) if token.text == "case" else "default")
            index = colon + 1
            continue
        if labels:
            current = []
            cases.update(dict.fromkeys(labels, current))
            labels = []
        current.append(token)
        if token.kind == "punct":
            depth += (token.text in ("{", "(", "[")) - (token.text in ("}", ")", "]"))
        index += 1
    cases.update({label: [] for label in labels})
    return cases


def member_references(tokens: list[Token], namespaces: set[str]) -> list[tuple[str, str, int]]:
    """Every `Namespace.MEMBER` read in the code, as (namespace, member, line)."""
    found = []
    for index in range(len(tokens) - 2):
        first, dot, member = tokens[index : index + 3]
        before = tokens[index - 1].text if index else ""
        if first.text in namespaces and dot.text == "." and member.kind == "name" and before not in (".", "?."):
            found.append((first.text, member.text, member.line))
    return found


def protocol_js() -> dict[str, dict[str, str | int | Reference]]:
    return frozen_objects(PROTOCOL_JS)


def design_section(heading: str) -> str:
    """The text of a DESIGN.md section, from its heading to the next heading of the same level."""
    text = DESIGN_MD.read_text()
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def design_table(after_line: str) -> dict[str, str]:
    """The wire table that follows `after_line` in "Wire protocol": its rows by their first cell."""
    lines = design_section("## Wire protocol: /ws/interview/<invite token>/").splitlines()
    start = lines.index(after_line) + 1
    rows: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        first = line.strip("|").split("|")[0].strip().strip("`")
        if first not in ("type", "---"):
            rows[first] = line
    return rows


def design_bullet(starting: str) -> str:
    """One bullet of "Wire protocol details", with its continuation lines."""
    lines = design_section("### Wire protocol details").splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"- {starting}"))
    bullet = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        bullet.append(line)
    return "\n".join(bullet)


# --- protocol.js names what the server defines -------------------------------------------------


def test_protocol_js_names_every_frame_the_server_sends():
    server_types = {frame.type for frame in protocol.SERVER_FRAMES}
    page_types = protocol_js()["ServerFrame"]
    assert set(page_types.values()) == server_types
    assert page_types == {kind.upper(): kind for kind in server_types}  # ServerFrame.AI_AUDIO_END


def test_protocol_js_names_every_message_the_server_accepts():
    page_types = protocol_js()["ClientMessage"]
    assert set(page_types.values()) == set(protocol.CLIENT_MESSAGE_TYPES)
    assert page_types == {kind.upper(): kind for kind in protocol.CLIENT_MESSAGE_TYPES}


@pytest.mark.parametrize("enum", [protocol.AudioEndReason, protocol.ErrorCode, protocol.CloseCode])
def test_protocol_js_has_the_servers_reasons_and_codes_by_the_same_names(enum):
    page = protocol_js()[enum.__name__]
    assert set(page.values()) == {member.value for member in enum}
    assert page == {member.name: member.value for member in enum}


def test_protocol_js_field_values_are_the_servers():
    page = protocol_js()
    session = {
        protocol.SessionState(
            status="in_progress", remaining_seconds=1.0, history=(), language="en", hands_free=hands_free, next_turn=0
        ).wire()["mode"]
        for hands_free in (True, False)
    }
    assert set(page["Mode"].values()) == session
    assert set(page["InterviewStatus"].values()) == set(Interview.Status.values)
    assert set(page["Speaker"].values()) == set(Turn.Speaker.values)
    roles = {HistoryItem(turn=0, speaker=speaker, text="").as_wire()["role"] for speaker in Turn.Speaker.values}
    assert set(page["HistoryRole"].values()) == roles
    for event in page["PlaybackEvent"].values():
        frame = f'{{"type": "playback", "turn": 0, "event": "{event}"}}'
        assert protocol.parse_text_frame(frame, max_bytes=1000) == protocol.Playback(turn=0, event=event)


def test_protocol_js_reads_the_interviewers_binary_audio_as_the_server_writes_it():
    page = protocol_js()["BinaryAudio"]
    assert (page["PARAMETER"], page["VALUE"]) == protocol.BINARY_AUDIO_PARAMETER
    assert page["KIND"] == protocol.BINARY_AI_AUDIO
    assert page["HEADER_BYTES"] == protocol.BINARY_AUDIO_HEADER_BYTES
    frame = protocol.AiAudioChunk(audio=b"mp3", turn=7, seq=9).binary()
    assert frame[0] == page["KIND"] and frame[page["HEADER_BYTES"] :] == b"mp3"


# --- the socket client handles and sends all of it ---------------------------------------------


def test_the_client_handles_every_frame_the_server_sends():
    tokens = tokenize(CLIENT_JS.read_text())
    method = next(  # the method itself, not a call of it (`this._onMessage(...)`)
        (
            index
            for index in range(1, len(tokens) - 1)
            if texts(tokens[index : index + 2]) == ["_onMessage", "("] and tokens[index - 1].text != "."
        ),
        None,
    )
    assert method is not None, "client.js has no _onMessage method"
    body_start = closing(tokens, method + 1) + 1
    body = tokens[body_start : closing(tokens, body_start) + 1]
    cases = switch_cases(body, ["message", ".", "type"])
    frame_names = protocol_js()["ServerFrame"]
    handled = {}
    for label, statements in cases.items():
        if label == "default":
            continue
        namespace, _, member = label.partition(".")
        assert namespace == "ServerFrame" and member in frame_names, f"case {label}: not a ServerFrame"
        # A case that does nothing but break is no handler.
        handled[frame_names[member]] = [t.text for t in statements if t.text not in ("break", ";")]
    server_types = {frame.type for frame in protocol.SERVER_FRAMES}
    assert set(handled) == server_types, f"no case for {server_types - set(handled)}"
    only_break = [kind for kind, code in handled.items() if not code]
    assert not only_break, f"cases that do nothing: {only_break}"


def test_the_client_can_send_every_message_the_server_accepts():
    tokens = tokenize(CLIENT_JS.read_text())
    message_names = protocol_js()["ClientMessage"]
    sent = {
        message_names.get(tokens[index + 4].text)
        for index in range(len(tokens) - 4)
        if texts(tokens[index : index + 4]) == ["type", ":", "ClientMessage", "."]
    }
    assert sent == set(protocol.CLIENT_MESSAGE_TYPES)


def test_the_clients_own_error_codes_are_not_the_servers():
    own = frozen_objects(CLIENT_JS)["ClientError"]
    assert own, "client.js has no ClientError"
    assert not set(own.values()) & {code.value for code in protocol.ErrorCode}


def test_the_client_gives_up_reconnecting_only_where_it_cannot_help():
    tokens = tokenize(CLIENT_JS.read_text())
    start = next((index for index in range(len(tokens)) if tokens[index].text == "FATAL_CLOSE_CODES"), None)
    assert start is not None, "client.js has no FATAL_CLOSE_CODES"
    array = next(index for index in range(start, len(tokens)) if tokens[index].text == "[")
    members = [ref[1] for ref in member_references(tokens[array : closing(tokens, array)], {"CloseCode"})]
    fatal = {protocol.CloseCode[name] for name in members}
    # A server fault while starting resumes, a busy server is tried again later, a normal end ends anyway.
    retried = {protocol.CloseCode.INTERNAL_ERROR, protocol.CloseCode.BUSY, protocol.CloseCode.NORMAL}
    assert fatal == set(protocol.CloseCode) - retried


# --- no module spells the wire by hand ---------------------------------------------------------

# Wire strings that are also ordinary names on the page: "error" is a DOM and player event (and the
# client's error event), "playback" the page's banner code for audio that would not play.
SHARED_WORDS = {"error", "playback"}


@pytest.mark.parametrize("path", PAGE_MODULES, ids=lambda path: path.name)
def test_page_modules_name_the_wire_only_through_protocol_js(path):
    tokens = tokenize(path.read_text())
    wire_strings = (
        {frame.type for frame in protocol.SERVER_FRAMES}
        | set(protocol.CLIENT_MESSAGE_TYPES)
        | {reason.value for reason in protocol.AudioEndReason}
        | {code.value for code in protocol.ErrorCode}
    )
    allowed = {"error"} if path == CLIENT_JS else SHARED_WORDS
    spelled = [
        (token.text, token.line) for token in tokens if token.kind == "string" and token.text in wire_strings - allowed
    ]
    assert not spelled, f"{path.name} spells wire names by hand (use protocol.js): {spelled}"
    close_codes = {int(code) for code in protocol.CloseCode}
    if path != CLIENT_JS:  # elsewhere 1000 is a millisecond count; the application's codes are 4xxx
        close_codes = {code for code in close_codes if code >= 4000}
    numbers = [(t.text, t.line) for t in tokens if t.kind == "number" and number_value(t.text) in close_codes]
    assert not numbers, f"{path.name} spells close codes by hand (use CloseCode): {numbers}"


@pytest.mark.parametrize("path", PAGE_MODULES, ids=lambda path: path.name)
def test_page_modules_name_only_constants_that_exist(path):
    """JavaScript reads a misspelt `CloseCode.FORBIDEN` as undefined, silently; this does not."""
    tables: dict[str, dict] = protocol_js()
    for module in PAGE_MODULES:  # in name order: client.js (Activity) before status-line.js (...Activity)
        tables |= frozen_objects(module, tables)
    unknown = [
        f"{namespace}.{member} (line {line})"
        for namespace, member, line in member_references(tokenize(path.read_text()), set(tables))
        if member not in tables[namespace]
    ]
    assert not unknown, f"{path.name}: {unknown}"


# --- docs/DESIGN.md lists all of it ------------------------------------------------------------


def test_the_design_tables_list_every_frame_and_message():
    assert set(design_table("Server -> client")) == {frame.type for frame in protocol.SERVER_FRAMES}
    assert set(design_table("Client -> server")) == set(protocol.CLIENT_MESSAGE_TYPES)


def test_the_design_table_says_why_the_interviewers_audio_ended():
    row = design_table("Server -> client")["ai_audio_end"]
    fields = row.strip("|").split("|")[1]
    assert "reason" in fields
    assert all(reason.value in fields for reason in protocol.AudioEndReason), fields


def test_the_design_lists_every_error_code_and_close_code():
    errors = design_bullet("Error codes").split(":", 1)[1].split(". ")[0]  # the list, not what follows
    assert set(re.findall(r"`([a-z_]+)`", errors)) == {code.value for code in protocol.ErrorCode}
    closes = design_bullet("Close codes")
    assert {int(code) for code in re.findall(r"\b\d{4}\b", closes)} == {int(code) for code in protocol.CloseCode}
