"""The OpenAI chat stream as the interviewer reads it: the SDK sends the request, the app reads the
server-sent events itself (no model object per token)."""

from __future__ import annotations

import json

import pytest

from interviews.providers.base import InterviewContext, Message, ProviderError
from interviews.providers.openai import OpenAIChat, _delta_content, make_client
from interviews.testing.fakes.openai_server import FakeOpenAI, tokenize

MESSAGES = [Message(role="system", content="You interview."), Message(role="user", content="Hello.")]
CONTEXT = InterviewContext(title="Backend Engineer", role="Backend Engineer", language="en")


def event(delta: dict[str, object]) -> str:
    return "data: " + json.dumps({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]})


def test_a_chat_stream_line_gives_its_words_and_nothing_else():
    assert _delta_content(event({"content": "Hello"})) == "Hello"
    assert _delta_content(event({"role": "assistant", "content": ""})) is None
    assert _delta_content(event({})) is None
    assert _delta_content('data: {"choices": []}') is None
    assert _delta_content("data: [DONE]") is None
    assert _delta_content(": keep-alive") is None
    assert _delta_content("") is None


def test_an_error_event_or_garbage_in_a_chat_stream_is_a_provider_error():
    with pytest.raises(ProviderError, match="overloaded"):
        _delta_content('data: {"error": {"message": "overloaded"}}')
    with pytest.raises(ProviderError):
        _delta_content("data: {not json")


def chat(fake: FakeOpenAI) -> OpenAIChat:
    client = make_client(api_key="k", base_url=fake.base_url, timeout_s=10, connect_timeout_s=5)
    return OpenAIChat(client=client, model="gpt-fake")


async def test_the_interviewer_reads_every_token_the_model_sent(fake_openai: FakeOpenAI):
    reply = "Thanks. Tell me about the hardest bug you fixed, and how you found it?"
    fake_openai.configure(chat_replies=[reply])
    tokens = [token async for token in chat(fake_openai).stream(MESSAGES, context=CONTEXT)]
    assert tokens == tokenize(reply)


async def test_the_request_carries_the_messages_as_the_api_expects_them(fake_openai: FakeOpenAI):
    # The messages skip the SDK's argument transform (extra_body): the body must still be the API's.
    [token async for token in chat(fake_openai).stream(MESSAGES, context=CONTEXT)]
    (record,) = fake_openai.requests_to("chat")
    assert record.body["messages"] == [
        {"role": "system", "content": "You interview."},
        {"role": "user", "content": "Hello."},
    ]
    assert record.body["model"] == "gpt-fake" and record.body["stream"] is True


async def test_leaving_a_reply_early_closes_its_stream_at_the_model(fake_openai: FakeOpenAI):
    fake_openai.configure(chat_replies=["One two three four five six seven eight nine ten."], per_token_delay_s=0.05)
    stream = chat(fake_openai).stream(MESSAGES, context=CONTEXT)
    assert await anext(stream)
    await stream.aclose()
    record = await fake_openai.wait_for_async(lambda r: r.endpoint == "chat" and r.finished_at is not None)
    assert record.client_disconnected


async def test_a_stream_cut_midway_is_a_provider_error(fake_openai: FakeOpenAI):
    fake_openai.configure(chat_replies=["One two three four five six seven eight nine ten."])
    fake_openai.cut_stream_next(after_tokens=2)
    got: list[str] = []

    async def read() -> None:
        async for token in chat(fake_openai).stream(MESSAGES, context=CONTEXT):
            got.append(token)

    with pytest.raises(ProviderError):
        await read()
    assert len(got) == 2
