"""``GigyaSandbox``: the server object tests start in-process, with the admin hooks they use between runs.

    with GigyaSandbox(accounts=500, seed=3) as sandbox:
        client = MyClient(sandbox.url, **sandbox.credentials)
        ...
        sandbox.update_account(sandbox.uid(7), {"data": {"subscribed": "false"}})
        sandbox.faults.fail_next(500001, method="accounts.setAccountInfo")

The admin hooks go through the same write code as the API (merge semantics, ``lastUpdated`` bump) but skip
auth and fault injection; :meth:`call` runs the full pipeline without HTTP.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from sandbox.gigya.auth import RequestInfo
from sandbox.gigya.clock import Clock
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.documents import deep_copy
from sandbox.gigya.errors import TRANSIENT_CODES
from sandbox.gigya.faults import FaultInjector, FaultSettings
from sandbox.gigya.httpserver import SandboxHTTPServer
from sandbox.gigya.site import Site
from sandbox.gigya.store import FULL
from sandbox.gigya.writes import bump, merge_account, new_account


class GigyaSandbox:
    def __init__(
        self,
        *,
        accounts: int = 1000,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        config: SandboxConfig | None = None,
        clock: Clock | None = None,
        fault_rate: float = 0.0,
        fault_codes: tuple[int, ...] = TRANSIENT_CODES,
        drop_rate: float = 0.0,
        lost_rate: float = 0.0,
        latency_ms: float = 0.0,
        lite_accounts: int = 0,
    ) -> None:
        self.config = config or SandboxConfig.for_seed(seed)
        self.clock = clock or Clock()
        self.faults = FaultInjector(
            FaultSettings(
                rate=fault_rate,
                codes=fault_codes,
                drop_rate=drop_rate,
                lost_rate=lost_rate,
                latency_ms=latency_ms,
                seed=seed,
            )
        )
        self.site = Site(self.config, self.clock, accounts=accounts, seed=seed, faults=self.faults)
        self.host, self.port = host, port
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._add_lite_accounts(lite_accounts)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> GigyaSandbox:
        if self._server is None:
            self._server = SandboxHTTPServer((self.host, self.port), self.site)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="gigya-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GigyaSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """apiKey, userKey, secret, dataCenter (and url): what a client needs to connect."""
        return {**self.config.credentials(), "url": self.url}

    @property
    def environ(self) -> dict[str, str]:
        """The connection as the engine reads it from a job's environment (``GIGYA_*``, as ``--site`` sets it)."""
        credentials = self.credentials
        return {
            "GIGYA_API_KEY": credentials["apiKey"],
            "GIGYA_USER_KEY": credentials["userKey"],
            "GIGYA_SECRET": credentials["secret"],
            "GIGYA_DATA_CENTER": credentials["dataCenter"],
            "GIGYA_BASE_URL": credentials["url"],
        }

    # -- admin: accounts ---------------------------------------------------------------------------------------
    @property
    def accounts(self) -> Any:
        return self.site.accounts

    def uid(self, index: int) -> str:
        """The UID of generated account ``index`` (0-based)."""
        return self.site.accounts.gen.uid(index)

    def account(self, uid: str) -> dict[str, Any] | None:
        """A private copy of the account as stored (search ``*`` shape), or None if absent/deleted."""
        return self.site.accounts.copy(uid)

    def update_account(self, uid: str, patch: dict[str, Any], *, now_ms: int | None = None) -> dict[str, Any]:
        """setAccountInfo semantics: each top-level object of ``patch`` (profile, data, subscriptions, …) is
        deep-merged, ``null`` deletes, other top-level keys are set; ``lastUpdated*`` is bumped."""
        handle = self.site.accounts.handle_of(uid)
        if handle is None:
            raise KeyError(uid)
        stamp = self.clock.now_ms() if now_ms is None else now_ms
        objects = {k: v for k, v in patch.items() if isinstance(v, dict)}
        scalars = {k: v for k, v in patch.items() if not isinstance(v, dict)}

        def change(doc: dict[str, Any]) -> None:
            merge_account(doc, deep_copy(objects), stamp)
            for key, value in scalars.items():
                doc.pop(key, None) if value is None else doc.__setitem__(key, value)
            bump(doc, stamp)

        return deep_copy(self.site.accounts.update(handle, change))

    def put_account(self, account: dict[str, Any], *, lite: bool = False) -> str:
        """Insert an account (a new UID is made if it has none); fills the timestamps it lacks."""
        doc = new_account(account.get("UID") or self.site.new_uid(), self.clock.now_ms(), lite=lite)
        doc.update(deep_copy(account))
        self.site.accounts.insert(doc, lite=lite)
        return doc["UID"]

    def delete_account(self, uid: str) -> bool:
        handle = self.site.accounts.handle_of(uid)
        if handle is None:
            return False
        self.site.accounts.delete(handle)
        return True

    def count(self, kind: str = FULL) -> int:
        return self.site.accounts.count(kind)

    # -- admin: other state ------------------------------------------------------------------------------------
    def set_achievements(self, uid: str, achievements: list[dict[str, Any]]) -> None:
        self.site.gm.set_achievements(uid, achievements)

    def audit_rows(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        """The calls answered so far (newest last), optionally of one method."""
        rows = self.site.audit.snapshot()
        return [row for row in rows if endpoint is None or row["endpoint"] == endpoint]

    def ds_objects(self, type_: str) -> list[dict[str, Any]]:
        return [deep_copy(obj) for obj in self.site.ds.types.get(type_, {}).values()]

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Run one API call through the pipeline (faults included, auth skipped) without HTTP."""
        values = {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()}
        request = RequestInfo(method_name=method, http_method="POST", path=f"/{method}", params=values)
        outcome = self.site.handle(request, authenticate=False)
        if outcome.drop:
            raise ConnectionError(f"{method}: connection dropped by fault injection")
        return orjson.loads(outcome.body)

    # -- internals -----------------------------------------------------------------------------------------------
    def _add_lite_accounts(self, count: int) -> None:
        from sandbox.gigya.generator import AccountGenerator

        generator = AccountGenerator(self.site.seed ^ 0x117E, count)
        for index in range(count):
            core = generator.core(index)
            email = "lite." + core[13]
            doc = new_account(self.site.new_uid(), core[8], lite=True)
            doc.update(
                email=email,
                profile={"email": email, "firstName": core[1]},
                data={"subscribed": "true" if core[14] & 1 else "false"},
                subscriptions={"newsletterWeekly": {"email": {"isSubscribed": bool(core[14] & 1)}}},
            )
            self.site.accounts.insert(doc, lite=True)
