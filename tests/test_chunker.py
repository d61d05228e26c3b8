"""The clause chunker and the end-marker filter: pure functions that decide what TTS hears when."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from interviews.chunker import ClauseChunker, MarkerFilter


def chunk(pieces: list[str]) -> list[str]:
    chunker = ClauseChunker()
    out = [p for piece in pieces for p in chunker.feed(piece)]
    tail = chunker.flush()
    return [*out, tail] if tail else out


def test_first_clause_goes_out_at_the_first_comma_then_whole_sentences():
    pieces = ["Thanks", " Jamie", ",", " that", " helps", ".", " Now", ",", " tell", " me", " more", "?"]
    assert chunk(pieces) == ["Thanks Jamie,", "that helps.", "Now, tell me more?"]


def test_a_piece_is_released_as_soon_as_its_boundary_arrives():
    chunker = ClauseChunker()
    assert chunker.feed("Great question") == []
    assert chunker.feed(", really.") == ["Great question,", "really."]
    assert chunker.feed(" Next") == []
    assert chunker.feed(" one, please") == []  # after the first piece, only sentence ends cut


def test_one_word_before_a_comma_is_too_short_for_the_first_clause():
    assert chunk(["Hi, I'm Alex, your interviewer today."]) == ["Hi, I'm Alex,", "your interviewer today."]


def test_numbers_and_abbreviations_do_not_split():
    assert chunk(["It took 3", ".5 seconds and cost 1", ",000 dollars, e.g. a lot. Dr. Smith agreed."]) == [
        "It took 3.5 seconds and cost 1,000 dollars,",
        "e.g. a lot.",
        "Dr. Smith agreed.",
    ]


def test_korean_sentences_split_on_their_punctuation():
    assert chunk(["좋습니다, 감사합니다.", " 다음 질문입니다. 어떻게", " 설계하셨나요?"]) == [
        "좋습니다, 감사합니다.",
        "다음 질문입니다.",
        "어떻게 설계하셨나요?",
    ]


def test_text_without_punctuation_is_still_cut_eventually():
    pieces = chunk(["word " * 100])
    assert len(pieces) > 1
    assert all(len(p) <= 220 for p in pieces)


@given(st.lists(st.text(alphabet="abc ,.!?1", max_size=12), max_size=30))
def test_chunking_never_loses_or_reorders_text(pieces):
    joined = "".join(pieces)
    assert "".join(chunk(pieces)).replace(" ", "") == joined.replace(" ", "")


def test_end_marker_is_removed_even_when_split_across_pieces():
    marker = MarkerFilter()
    out = "".join(marker.feed(p) for p in ["Goodbye! <", "<EN", "D>>", " ignored"]) + marker.flush()
    assert out == "Goodbye! "
    assert marker.ended


def test_text_that_only_looks_like_the_marker_start_is_kept():
    marker = MarkerFilter()
    out = "".join(marker.feed(p) for p in ["a <", "b"]) + marker.flush()
    assert out == "a <b"
    assert not marker.ended
