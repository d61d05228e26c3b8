"""Client for the `/_fake/...` control endpoints of a fake provider running in another process."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class RemoteFake:
    """Reads records from and configures a fake server by its root URL (e.g. http://127.0.0.1:8101)."""

    def __init__(self, root_url: str, *, timeout_s: float = 5.0) -> None:
        self.root_url = root_url.rstrip("/")
        self.timeout_s = timeout_s

    def requests(self) -> list[dict[str, Any]]:
        """Records as JSON dicts (see RequestRecord.to_json); compare `*_wall` times across processes."""
        records: list[dict[str, Any]] = self._call("GET", "/_fake/requests")
        return records

    def reset(self) -> None:
        self._call("POST", "/_fake/reset", {})

    def configure(self, **settings: Any) -> None:
        """Delays, replies, transcripts, and optionally `faults=[{"endpoint", "kind", ...}]`."""
        self._call("POST", "/_fake/config", settings)

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.root_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            return json.load(response)
