"""The one application exception, translated by each caller (HTTP, WebSocket frame, CommandError)."""


class InterviewError(Exception):
    """Something a person can be told about, in words; `code` is stable for programs."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
