"""``CampaignMonitorSandbox``: the v3.3 routes under ``/api/v3.3`` with HTTP Basic auth (API key, password ``x``).

An import (``POST /subscribers/{listid}/import.json``, 1,000 subscribers at most) answers 201 with its counts, or
400 with code 210 and the same counts in ``ResultData`` when some subscribers failed, each in ``FailureDetails``
with its code and message. Faults: a rate limit is a 429 with ``Retry-After``; a server error a 500 with a JSON
``{Code, Message}`` as createsend expects.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sandbox.campaignmonitor.subscribers import STATES, Refused, SubscriberList, view
from sandbox.rest import RATE_LIMIT, PartnerSandbox, Request, Response, json_response

API = "/api/v3.3"
MAX_IMPORT = 1000


class CampaignMonitorSandbox(PartnerSandbox):
    name = "campaignmonitor"

    def __init__(self, **options: Any) -> None:
        options.setdefault("tls", True)
        super().__init__(**options)
        self.api_key = hashlib.sha256(f"campaignmonitor/{self.seed}".encode()).hexdigest()[:40]
        self.lists: dict[str, SubscriberList] = {}
        self.add_list("Gigya Subscribers", ("GigyaUID",))

    # -- admin -----------------------------------------------------------------------------------------------
    def add_list(self, title: str, custom_fields: tuple[str, ...]) -> str:
        with self.lock:
            list_id = hashlib.sha256(f"cm-list/{self.seed}/{title}".encode()).hexdigest()[:32]
            self.lists[list_id] = SubscriberList(list_id, title, custom_fields)
            return list_id

    @property
    def list_id(self) -> str:
        return next(iter(self.lists))

    def subscribers(self, list_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [view(s) for s in self.lists[list_id or self.list_id].subscribers.values()]

    def put_subscriber(
        self, email: str, name: str, custom_fields: dict[str, str], *, unsubscribed: bool = False
    ) -> None:
        """Add or update a subscriber of the first list (active, or unsubscribed), as an add call would."""
        with self.lock:
            subscribers, now = self.lists[self.list_id], self.clock.now()
            given = {
                "EmailAddress": email,
                "Name": name,
                "CustomFields": [{"Key": k, "Value": v} for k, v in custom_fields.items()],
            }
            subscribers.upsert(given, not unsubscribed, now)
            if unsubscribed:
                subscribers.unsubscribe(email, now)

    def info(self) -> dict[str, Any]:
        return {**super().info(), "apiUrl": f"{self.url}{API}", "apiKey": self.api_key, "listId": self.list_id}

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        header = request.headers.get("Authorization") or ""
        key = ""
        if header.lower().startswith("basic "):
            try:
                key = base64.b64decode(header[6:].strip()).decode().partition(":")[0]
            except ValueError:
                key = ""
        if key != self.api_key:
            return json_response(401, {"Code": 50, "Message": "Must supply a valid HTTP Basic Authorization header"})
        return None

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return json_response(
                429, {"Code": 429, "Message": "Rate limit exceeded"}, Retry_After=str(self.faults.rates.retry_after_s)
            )
        return json_response(500, {"Code": 500, "Message": "Sorry, an unexpected error occurred"})

    def bad_request(self, message: str) -> Response:
        return json_response(400, {"Code": 400, "Message": f"Failed to deserialize your request: {message}"})

    def not_found(self, request: Request) -> Response:
        return json_response(404, {"Code": 404, "Message": "Not found"})

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("GET", f"{API}/lists/(?P<list>[^/]+)\\.json", lambda r: self._run(r, lambda sl: (200, sl.details())))
        add(
            "GET",
            f"{API}/lists/(?P<list>[^/]+)/customfields\\.json",
            lambda r: self._run(r, lambda sl: (200, sl.field_definitions())),
        )
        add("GET", f"{API}/lists/(?P<list>[^/]+)/(?P<state>{'|'.join(STATES)})\\.json", self._by_state)
        add("GET", f"{API}/subscribers/(?P<list>[^/]+)\\.json", self._get_subscriber)
        add("POST", f"{API}/subscribers/(?P<list>[^/]+)\\.json", self._add)
        add("POST", f"{API}/subscribers/(?P<list>[^/]+)/import\\.json", self._import)
        add("POST", f"{API}/subscribers/(?P<list>[^/]+)/unsubscribe\\.json", self._unsubscribe)

    def _run(self, request: Request, work: Any) -> Response:
        with self.lock:
            found = self.lists.get(request.params["list"])
            if found is None:
                return json_response(400, {"Code": 101, "Message": "Invalid ListID"})
            try:
                status, payload = work(found)
            except Refused as refused:
                return json_response(400, {"Code": refused.code, "Message": refused.message})
            return json_response(status, payload)

    def _get_subscriber(self, request: Request) -> Response:
        return self._run(request, lambda sl: (200, view(sl.get(request.arg("email") or ""))))

    def _add(self, request: Request) -> Response:
        body = request.json()

        def work(sl: SubscriberList) -> tuple[int, Any]:
            sl.upsert(body, bool(body.get("Resubscribe")) if isinstance(body, dict) else False, self.clock.now())
            return 201, body["EmailAddress"]

        return self._run(request, work)

    def _unsubscribe(self, request: Request) -> Response:
        body = request.json()
        email = body.get("EmailAddress") if isinstance(body, dict) else None
        return self._run(request, lambda sl: (sl.unsubscribe(str(email or ""), self.clock.now()), (200, ""))[1])

    def _import(self, request: Request) -> Response:
        body = request.json()
        subscribers = body.get("Subscribers") if isinstance(body, dict) else None
        if not isinstance(subscribers, list) or not subscribers:
            return json_response(400, {"Code": 1, "Message": "Subscribers is required"})
        if len(subscribers) > MAX_IMPORT:
            return json_response(400, {"Code": 1, "Message": f"At most {MAX_IMPORT} subscribers per import"})

        def work(sl: SubscriberList) -> tuple[int, Any]:
            failures, seen, duplicates, new, existing = [], set(), [], 0, 0
            for given in subscribers:
                email = str(given.get("EmailAddress") or "") if isinstance(given, dict) else ""
                if email.lower() in seen:
                    duplicates.append(email)
                seen.add(email.lower())
                try:
                    if sl.upsert(given, bool(body.get("Resubscribe")), self.clock.now()):
                        new += 1
                    else:
                        existing += 1
                except Refused as refused:
                    failures.append({"EmailAddress": email, "Code": refused.code, "Message": refused.message})
            result = {
                "FailureDetails": failures,
                "TotalUniqueEmailsSubmitted": len(seen),
                "TotalExistingSubscribers": existing,
                "TotalNewSubscribers": new,
                "DuplicateEmailsInSubmission": duplicates,
            }
            if failures:
                return 400, {
                    "ResultData": result,
                    "Code": 210,
                    "Message": "Subscriber Import - Some subscribers failed to import",
                }
            return 201, result

        return self._run(request, work)

    def _by_state(self, request: Request) -> Response:
        state = STATES[request.params["state"]]
        since = request.arg("date") or ""
        page, size = max(1, int(request.arg("page") or 1)), min(1000, max(10, int(request.arg("pagesize") or 1000)))
        order, direction = request.arg("orderfield") or "date", request.arg("orderdirection") or "asc"

        def work(sl: SubscriberList) -> tuple[int, Any]:
            chosen = [s for s in sl.subscribers.values() if s["State"] == state and s["Date"] >= since]
            key = {"email": "EmailAddress", "name": "Name"}.get(order, "Date")
            chosen.sort(key=lambda s: (s[key], s["EmailAddress"].lower()), reverse=direction == "desc")
            shown = chosen[(page - 1) * size : page * size]
            return 200, {
                "Results": [view(s) for s in shown],
                "ResultsOrderedBy": order,
                "OrderDirection": direction,
                "PageNumber": page,
                "PageSize": size,
                "RecordsOnThisPage": len(shown),
                "TotalNumberOfRecords": len(chosen),
                "NumberOfPages": (len(chosen) + size - 1) // size,
            }

        return self._run(request, work)
