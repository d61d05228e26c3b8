"""Cuts a streamed LLM reply into pieces for TTS: the first clause at once, then sentence by sentence."""

from __future__ import annotations

import re

from interviews.providers.base import END_MARKER

SENTENCE_END = ".!?…。！？"
CLAUSE_END = ",;:—–、，；："
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "no"}
# Without any punctuation, cut at a space once a piece is this long, so TTS never waits for ever.
MAX_PIECE_CHARS = 220
_WORD = re.compile(r"\w+", re.UNICODE)


class ClauseChunker:
    """Feed text pieces as they stream in; get back pieces that are ready to be spoken.

    The first piece is cut at the first clause boundary with at least `first_clause_min_words` words
    (latency matters most there); later pieces at sentence boundaries (prosody matters more).
    """

    def __init__(self, *, first_clause_min_words: int = 2) -> None:
        self.first_clause_min_words = first_clause_min_words
        self._buffer = ""
        self._emitted_any = False

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        pieces: list[str] = []
        while (cut := self._find_cut()) is not None:
            piece, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if piece:
                pieces.append(piece)
                self._emitted_any = True
        return pieces

    def flush(self) -> str | None:
        piece, self._buffer = self._buffer.strip(), ""
        return piece or None

    def _find_cut(self) -> int | None:
        buffer = self._buffer
        boundaries = SENTENCE_END if self._emitted_any else SENTENCE_END + CLAUSE_END
        for position, char in enumerate(buffer):
            if char not in boundaries:
                continue
            end = position + 1
            # Keep runs like "?!" or "..." and closing quotes with the piece they end.
            while end < len(buffer) and (buffer[end] in SENTENCE_END or buffer[end] in "\"'”’)"):
                end += 1
            if end < len(buffer) and not buffer[end].isspace():
                continue  # "3.5", "e.g.x", "1,000": not a boundary
            if end == len(buffer) and not self._final_at_end(buffer, position):
                return None  # wait for the next piece to decide
            if (
                not self._emitted_any
                and char in CLAUSE_END
                and len(_WORD.findall(buffer[:position])) < self.first_clause_min_words
            ):
                continue
            if char == "." and self._is_abbreviation(buffer[:position]):
                continue
            return end
        if len(buffer) > MAX_PIECE_CHARS:
            space = buffer.rfind(" ", 0, MAX_PIECE_CHARS)
            return space if space > 0 else MAX_PIECE_CHARS
        return None

    @staticmethod
    def _final_at_end(buffer: str, position: int) -> bool:
        # At the very end of what has arrived, a mark after a digit may still become "3.5" or "1,000".
        return position == 0 or not buffer[position - 1].isdigit()

    @staticmethod
    def _is_abbreviation(before: str) -> bool:
        words = before.rsplit(None, 1)
        return bool(words) and words[-1].lower().strip("(\"'") in ABBREVIATIONS


# What the interviewer may write besides its words: the end of the interview, the planned question
# it asks now (1-based), or that it follows up on the current one. None is ever shown or spoken.
QUESTION_MARKER = "<<Q{number}>>"
FOLLOW_UP_MARKER = "<<F>>"
_MARKER = re.compile(rf"{re.escape(END_MARKER)}|<<Q(\d{{1,2}})>>|(<<F>>)")
# The start of a marker, cut off at the end of a piece: "<", "<<E", "<<Q1", ...
_MARKER_PREFIX = re.compile(r"<(<(E(N(D>?)?)?|Q(\d(\d?>?)?)?|F>?)?)?")


class MarkerFilter:
    """Removes the interviewer's markers (END_MARKER, `<<Q3>>`, `<<F>>`) from a stream of text
    pieces, even when one arrives split across pieces. `ended`: the interview is over (nothing after
    the marker is said); `question`: the planned question the text says it asks; `follow_up`: it
    follows up on the current question."""

    def __init__(self) -> None:
        self.ended = False
        self.question: int | None = None
        self.follow_up = False
        self._held = ""

    def feed(self, text: str) -> str:
        if self.ended:
            return ""
        text, self._held = self._held + text, ""
        visible: list[str] = []
        while (start := text.find("<")) >= 0:
            visible.append(text[:start])
            rest = text[start:]
            if (match := _MARKER.match(rest)) is not None:
                if match.group(2) is not None:
                    self.follow_up = True
                elif match.group(1) is not None:
                    self.question = int(match.group(1))
                else:  # END_MARKER
                    self.ended = True
                    return "".join(visible)
                text = rest[match.end() :]
            elif _MARKER_PREFIX.fullmatch(rest):
                self._held = rest  # may be the start of a marker: wait for the next piece
                return "".join(visible)
            else:
                visible.append("<")
                text = rest[1:]
        visible.append(text)
        return "".join(visible)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return "" if self.ended else held
