"""A scripted stand-in for Gigya at the transport level, for client unit tests that need exact control.

The real sandbox (``tests/gigya/conftest.py``) is what the component tests use; this fake exists to script one
answer per attempt (a timeout, then a rate limit, then success) and to capture exactly what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
import requests
from requests.adapters import BaseAdapter

Answer = dict[str, Any] | BaseException | bytes


@dataclass
class Sent:
    url: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeGigya(BaseAdapter):
    """Answers each request with the next scripted answer (or ``default``); records what was sent."""

    answers: list[Answer] = field(default_factory=list)
    default: Callable[[Sent], Answer] = lambda sent: {"errorCode": 0, "callId": "c0"}
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        sent = Sent(str(request.url), dict(parse_qsl(body, keep_blank_values=True)), dict(request.headers))
        self.sent.append(sent)
        answer = self.answers.pop(0) if self.answers else self.default(sent)
        if isinstance(answer, BaseException):
            raise answer
        response = requests.Response()
        response.status_code = 200
        response._content = answer if isinstance(answer, bytes) else orjson.dumps(answer)
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def envelope(code: int = 0, **extra: Any) -> dict[str, Any]:
    return {"errorCode": code, "callId": f"call{code}", "statusCode": code // 1000 or 200, **extra}
