"""``ConstantContactSandbox``: the v3 routes under ``/v3`` with Bearer tokens, and the OAuth token endpoint.

Tokens come from ``POST /oauth2/default/v1/token`` (refresh-token grant, client id and secret in HTTP Basic), so a
client can renew an expired one. Bulk activities (JSON import, removing list memberships) are ``initialized``
until ``activity_delay_s`` has passed on the sandbox clock, then applied and ``completed``. Faults: 429 with
``Retry-After``, 503, and 401 for an expired token, each with Constant Contact's ``[{error_key, error_message}]``.
An import takes 40,000 contacts and a body under 4 MB at most (Constant Contact's documented limits); the sandbox
refuses a larger one with a 400 rather than processing part of it.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.constantcontact.contacts import Book, ImportRefused, iso
from sandbox.rest import RATE_LIMIT, SERVER_ERROR, PartnerSandbox, Request, Response, json_response
from sandbox.rest.tokens import VALID, TokenStore, bearer

API = "/v3"
MAX_IMPORT = 40_000
MAX_IMPORT_BYTES = 4_000_000  # "less than 4 MB": the smaller reading, so a client that passes here passes there


def problem(status: int, key: str, message: str, **headers: str) -> Response:
    return json_response(status, [{"error_key": key, "error_message": message}], **headers)


@dataclass
class Activity:
    id: str
    kind: str
    payload: dict[str, Any]
    created: float
    state: str = "initialized"
    errors: list[dict[str, str]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            "activity_id": self.id,
            "state": self.state,
            "created_at": iso(self.created),
            "percent_done": 100 if self.state == "completed" else 0,
            "activity_errors": self.errors,
            "status": self.status,
            "_links": {"self": {"href": f"{API}/activities/{self.id}"}},
        }


class ConstantContactSandbox(PartnerSandbox):
    name = "constantcontact"

    def __init__(self, *, activity_delay_s: float = 0.0, token_ttl_s: int = 86_400, **options: Any) -> None:
        super().__init__(**options)
        digest = hashlib.sha256(f"constantcontact/{self.seed}".encode()).hexdigest()
        self.client_id, self.client_secret, self.refresh_token = digest[:32], digest[32:56], "r" + digest[8:40]
        self.tokens = TokenStore(self.clock, token_ttl_s, self.seed, "constantcontact")
        self.access_token = self.tokens.issue()
        self.book = Book()
        self.book.add_custom_field("custom_field_1")
        self.list_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cc-list/{self.seed}"))
        self.book.lists[self.list_id] = "Gigya Newsletter"
        self.activity_delay_s = activity_delay_s
        self.activities: dict[str, Activity] = {}

    def contacts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self.book.view(c, {"custom_fields", "list_memberships"}) for c in self.book.contacts.values()]

    def put_contact(self, item: dict[str, Any], *, unsubscribed: bool = False) -> None:
        """Import one contact (``email``, ``first_name``, ``cf:custom_field_1``...) into the list, as the JSON import
        would; an unsubscribed one keeps its membership with ``permission_to_send: unsubscribed`` (an opt-out)."""
        with self.lock:
            self.book.upsert(item, [self.list_id], self.clock.now())
            if unsubscribed:
                self.book.contacts[str(item["email"]).strip().lower()]["email_address"]["permission_to_send"] = (
                    "unsubscribed"
                )

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "apiUrl": f"{self.url}{API}",
            "tokenUrl": f"{self.url}/oauth2/default/v1/token",
            "apiKey": self.client_id,
            "clientSecret": self.client_secret,
            "refreshToken": self.refresh_token,
            "accessToken": self.access_token,
            "listId": self.list_id,
        }

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        token = bearer(request.headers.get("Authorization"))
        if self.tokens.check(token) != VALID:
            return problem(401, "unauthorized", "Unauthorized")
        return token

    def expire_credential(self, credential: str) -> None:
        self.tokens.expire(credential)

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return problem(
                429, "too_many_requests", "Too many requests", Retry_After=str(self.faults.rates.retry_after_s)
            )
        if kind == SERVER_ERROR:
            return problem(503, "service_unavailable", "The service is temporarily unavailable")
        return problem(401, "unauthorized", "Unauthorized")

    def bad_request(self, message: str) -> Response:
        return problem(400, "malformed_json", message)

    def not_found(self, request: Request) -> Response:
        return problem(404, "not_found", "The requested resource was not found")

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("POST", "/oauth2/default/v1/token", self._token, public=True)
        add("GET", f"{API}/contact_lists/(?P<list>[^/]+)", self._get_list)
        add("GET", f"{API}/contact_custom_fields", self._custom_fields)
        add("GET", f"{API}/contacts", self._contacts)
        add("POST", f"{API}/activities/contacts_json_import", lambda r: self._activity(r, "import"))
        add("POST", f"{API}/activities/remove_list_memberships", lambda r: self._activity(r, "remove"))
        add("GET", f"{API}/activities/(?P<id>[^/]+)", self._activity_status)

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in request.form().items()}
        header = request.headers.get("Authorization") or ""
        user = secret = ""
        if header.lower().startswith("basic "):
            user, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
        if (user, secret) != (self.client_id, self.client_secret):
            return json_response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return json_response(400, {"error": "invalid_grant", "error_description": "The refresh token is invalid"})
        return json_response(
            200,
            {
                "access_token": self.tokens.issue(),
                "token_type": "Bearer",
                "expires_in": self.tokens.ttl_s,
                "refresh_token": self.refresh_token,
                "scope": "contact_data offline_access",
            },
        )

    def _get_list(self, request: Request) -> Response:
        name = self.book.lists.get(request.params["list"])
        if name is None:
            return self.not_found(request)
        return json_response(200, {"list_id": request.params["list"], "name": name, "favorite": False})

    def _custom_fields(self, request: Request) -> Response:
        with self.lock:
            fields = [
                {"custom_field_id": i, "name": n, "label": n, "type": "string"}
                for n, i in self.book.custom_fields.items()
            ]
        return json_response(200, {"custom_fields": fields})

    def _contacts(self, request: Request) -> Response:
        include = set((request.arg("include") or "").split(","))
        limit = max(1, min(500, int(request.arg("limit") or 50)))
        offset = int(request.arg("cursor") or 0)
        wanted_list, email, since = request.arg("lists"), request.arg("email"), request.arg("updated_after")
        with self.lock:
            chosen = [
                c
                for c in self.book.contacts.values()
                if (not wanted_list or wanted_list in c["list_memberships"])
                and (not email or c["email_address"]["address"].lower() == email.lower())
                and (not since or c["updated_at"] >= since.replace(".000", ""))
            ]
            page = [self.book.view(c, include) for c in chosen[offset : offset + limit]]
        body: dict[str, Any] = {"contacts": page, "contacts_count": len(chosen)}
        if offset + limit < len(chosen):
            body["_links"] = {
                "next": {
                    "href": f"{API}/contacts?cursor={offset + limit}&limit={limit}"
                    f"&include={','.join(sorted(include))}"
                    + (f"&lists={wanted_list}" if wanted_list else "")
                    + (f"&updated_after={since}" if since else "")
                }
            }
        return json_response(200, body)

    def _activity(self, request: Request, kind: str) -> Response:
        if kind == "import" and len(request.body) >= MAX_IMPORT_BYTES:
            return problem(400, "validation_error", f"the import body must be less than {MAX_IMPORT_BYTES:,} bytes")
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("list_ids"), list) or not body["list_ids"]:
            return problem(400, "validation_error", "list_ids is required")
        if kind == "import" and (not isinstance(body.get("import_data"), list) or not body["import_data"]):
            return problem(400, "validation_error", "import_data is required")
        if kind == "import" and len(body["import_data"]) > MAX_IMPORT:
            return problem(400, "validation_error", f"import_data takes {MAX_IMPORT} contacts at most")
        with self.lock:
            unknown = [i for i in body["list_ids"] if i not in self.book.lists]
            if unknown:
                return problem(400, "validation_error", f"unknown list(s): {', '.join(unknown)}")
            activity = Activity(uuid.uuid4().hex, kind, body, self.clock.now())
            self.activities[activity.id] = activity
            self._advance(activity)
            return json_response(201, activity.view())

    def _activity_status(self, request: Request) -> Response:
        with self.lock:
            activity = self.activities.get(request.params["id"])
            if activity is None:
                return self.not_found(request)
            self._advance(activity)
            return json_response(200, activity.view())

    def _advance(self, activity: Activity) -> None:
        if activity.state != "initialized" or self.clock.now() < activity.created + self.activity_delay_s:
            return
        lists, now = activity.payload["list_ids"], self.clock.now()
        if activity.kind == "remove":
            ids = set((activity.payload.get("source") or {}).get("contact_ids") or [])
            for contact in self.book.contacts.values():
                if contact["contact_id"] in ids:
                    contact["list_memberships"] = [x for x in contact["list_memberships"] if x not in lists]
                    contact["updated_at"], contact["_changed"] = iso(now), now
            activity.status = {
                "items_total_count": len(ids),
                "items_completed_count": len(ids),
                "list_count": len(lists),
            }
        else:
            items, refused = activity.payload["import_data"], 0
            cannot_add = 0
            for line, item in enumerate(items, start=1):
                try:
                    cannot_add += not self.book.upsert(item, lists, now)
                except ImportRefused as reason:
                    refused += 1
                    activity.errors.append({"message": f"Line {line}: {reason}"})
            activity.status = {
                "items_total_count": len(items),
                "items_completed_count": len(items),
                "person_count": len(items) - refused,
                "error_count": refused,
                "cannot_add_to_list_count": cannot_add,
                "correctable_count": 0,
            }
        activity.state = "completed"
