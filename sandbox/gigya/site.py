"""One emulated Gigya site: its stores, and the pipeline every call goes through.

route -> data-center check -> authenticate -> fault? -> method -> envelope -> audit row. The HTTP layer only
parses requests and writes bytes; tests and benchmarks can call :meth:`Site.handle` directly.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from sandbox.gigya.auth import Authenticator, Principal, RequestInfo
from sandbox.gigya.clock import Clock, iso_ms
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.errors import REASONS, GigyaError, status_of
from sandbox.gigya.faults import DROP, LOST, FaultInjector
from sandbox.gigya.generator import AccountGenerator
from sandbox.gigya.methods import registry
from sandbox.gigya.methods.audit import AuditLog, audit_row
from sandbox.gigya.methods.ds import DataStore
from sandbox.gigya.methods.gm import GameMechanics
from sandbox.gigya.methods.socialize import ANONYMOUS
from sandbox.gigya.params import Params
from sandbox.gigya.search import SearchService
from sandbox.gigya.signals import SIGNALS_TYPE, generated_signals
from sandbox.gigya.store import AccountStore

_GIGYA_HOST = re.compile(r"^(?P<ns>[a-z]+)\.(?P<dc>[a-z0-9-]+)\.(?:gigya\.com|gigya-api\.cn|sapcdm\.cn)(?::\d+)?$")


@dataclass
class Outcome:
    """What to send back: an HTTP status and a JSON body, or nothing at all (a dropped connection)."""

    status: int = 200
    body: bytes = b""
    drop: bool = False


class Site:
    def __init__(self, config: SandboxConfig, clock: Clock, *, accounts: int, seed: int, faults: FaultInjector) -> None:
        self.config = config
        self.clock = clock
        self.seed = seed
        self.accounts = AccountStore(AccountGenerator(seed, accounts))
        self.ds = DataStore()
        self.ds.load(SIGNALS_TYPE, generated_signals(self.accounts.gen))
        self.audit = AuditLog(config.audit_capacity)
        self.gm = GameMechanics(seed)
        self.search = SearchService(config, clock)
        self.auth = Authenticator(config, clock)
        self.faults = faults
        self.methods = registry()
        self._uid_rng = random.Random(f"sandbox-uids-{seed}")
        self._uid_lock = threading.Lock()

    def new_uid(self) -> str:
        """A fresh UID for an imported account; seeded, so a rerun of the same test gets the same UIDs."""
        with self._uid_lock:
            while True:
                uid = f"{self._uid_rng.getrandbits(128):032x}"
                if self.accounts.handle_of(uid) is None:
                    return uid

    # -- the pipeline ----------------------------------------------------------------------------------------
    def handle(self, request: RequestInfo, *, authenticate: bool = True) -> Outcome:
        self.faults.delay()
        call_id = uuid.uuid4().hex
        params = Params(request.params)
        caller = Principal(None, "internal")
        fault = None
        try:
            if request.malformed:
                raise GigyaError(400001, "Invalid request format: the body could not be parsed")
            handler = self.methods.get(request.method_name)
            if handler is None:
                raise GigyaError(400096, f"Not supported: unknown method {request.method_name}")
            self._check_data_center(request)
            if authenticate and request.method_name not in ANONYMOUS:
                caller = self.auth.authenticate(request)
            fault = self.faults.decide(request.method_name)
            if fault is not None and fault.kind == DROP:
                self._record(request, caller, call_id, 0, "connection dropped", "fault injection: dropped")
                return Outcome(drop=True)
            if fault is not None and fault.kind != LOST:
                raise GigyaError(fault.code, f"Injected fault {fault.code}")
            payload = handler(self, params, caller)
            code, message, details, extra = 0, "OK", "", payload
        except GigyaError as error:
            code, message, details, extra = error.code, error.message, error.details, error.extra
        outcome = self._respond(request, params, caller, call_id, code, message, details, extra)
        if fault is not None and fault.kind == LOST:
            return Outcome(drop=True)  # carried out (and audited), but the answer never leaves
        return outcome

    def _respond(
        self, request: RequestInfo, params: Params, caller: Principal, call_id: str,
        code: int, message: str, details: str, extra: dict[str, Any],
    ) -> Outcome:  # fmt: skip
        status = status_of(code)
        envelope: dict[str, Any] = {
            "callId": call_id,
            "errorCode": code,
            "apiVersion": 2,
            "statusCode": status,
            "statusReason": REASONS.get(status, "Error"),
            "time": iso_ms(self.clock.now_ms()),
        }
        if code:
            envelope["errorMessage"] = message
            envelope["errorDetails"] = details
        if "context" in params:
            envelope["context"] = params.get("context")
        envelope.update(extra)
        self._record(request, caller, call_id, code, message, details)
        try:
            http_status = status if params.flag("httpStatusCodes") else 200
        except GigyaError:
            http_status = 200
        return Outcome(http_status, orjson.dumps(envelope))

    def _check_data_center(self, request: RequestInfo) -> None:
        if not self.config.check_data_center:
            return
        for host in (request.target_host, request.headers.get("X-Gigya-Host"), request.headers.get("Host")):
            match = _GIGYA_HOST.match((host or "").lower())
            if match and match["dc"] != self.config.data_center:
                api_domain = f"{self.config.data_center}.gigya.com"
                raise GigyaError(
                    301001,
                    f"Invalid data center: this site is on {api_domain}",
                    apiDomain=api_domain,
                    location=f"https://{match['ns']}.{api_domain}{request.path}",
                )

    def _record(
        self, request: RequestInfo, caller: Principal, call_id: str, code: int, message: str, details: str
    ) -> None:
        self.audit.append(
            audit_row(
                time_iso=iso_ms(self.clock.now_ms()),
                call_id=call_id,
                endpoint=request.method_name,
                error_code=code,
                error_message=message,
                error_details=details,
                params=request.params,
                user_key=caller.user_key or request.params.get("userKey"),
                source_ip=request.client_ip,
                api_key=request.params.get("apiKey", ""),
            )
        )
