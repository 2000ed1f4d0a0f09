"""Every way the components authenticate, checked by the sandbox's own (independent) signature verifier."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.errors import FatalError
from dataflow.testing import build_component, drive, read_all
from sandbox.gigya import GigyaSandbox, ManualClock, SandboxConfig
from tests.gigya.conftest import FAST_RETRIES, site_environ


def openssl(*args: str, given: str | None = None) -> str:
    return subprocess.run(["openssl", *args], input=given, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    private = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    return private, openssl("pkey", "-pubout", given=private)


def reader(tmp_path: Path, environ: dict[str, str], **params: Any) -> Any:
    return build_component(
        "datasource.read.gigya.account", {"select": "UID", **FAST_RETRIES, **params}, tmp_path, environ=environ
    )


def test_user_key_and_partner_secret_signatures_are_accepted(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    environ = site_environ(sandbox)
    assert len(read_all(reader(tmp_path, environ))) == 300
    partner = {k: v for k, v in environ.items() if k != "GIGYA_USER_KEY"}  # apiKey + secret, no userKey
    assert len(read_all(reader(tmp_path, partner))) == 300
    assert {row["userKey"] for row in sandbox.audit_rows("accounts.search") if "userKey" in row} == {
        sandbox.config.user_key
    }


@pytest.fixture
def bearer_sandbox(key_pair: tuple[str, str]) -> Iterator[GigyaSandbox]:
    config = SandboxConfig.for_seed(11, user_public_keys={"AKJWTAPP": key_pair[1]})
    with GigyaSandbox(accounts=50, seed=11, config=config) as running:
        yield running


def test_bearer_jwt_from_a_private_key(bearer_sandbox: GigyaSandbox, key_pair: tuple[str, str], tmp_path: Path) -> None:
    environ = site_environ(bearer_sandbox)
    del environ["GIGYA_SECRET"]
    environ.update(GIGYA_USER_KEY="AKJWTAPP", GIGYA_PRIVATE_KEY=key_pair[0])
    component = reader(tmp_path, environ)
    assert len(read_all(component)) == 50
    assert any("(bearer)" in line for line in component.context.job.trace.snapshot())
    assert component.context.job.redactor.redact(f"key: {key_pair[0].strip()}") == "key: ********"


def test_concurrent_writes_never_reuse_a_nonce(tmp_path: Path) -> None:
    config = SandboxConfig.for_seed(4, check_nonce=True)
    with GigyaSandbox(accounts=400, seed=4, config=config) as box:
        writer = build_component(
            "datasource.write.gigya.account", {"maxConnections": 16}, tmp_path, environ=site_environ(box)
        )
        emitted, rejected = drive(writer, [[{"UID": box.uid(i), "data": {"n": i}} for i in range(400)]])
        assert rejected == [] and len(emitted) == 400
        assert not [row for row in box.audit_rows() if row["errCode"] == "403004"]


def test_clock_skew_is_retried_once_then_named(tmp_path: Path) -> None:
    clock = ManualClock()
    with GigyaSandbox(accounts=10, seed=2, clock=clock) as box:
        clock.advance(600)  # the sandbox is ten minutes ahead: every signature looks expired
        with pytest.raises(FatalError, match=r"403002 .*check this machine's clock"):
            read_all(reader(tmp_path, site_environ(box)))
        assert len(box.audit_rows("accounts.search")) == 2


def test_a_wrong_secret_is_never_in_the_message(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    environ = {**site_environ(sandbox), "GIGYA_SECRET": "c29tZSBvdGhlciBzZWNyZXQ="}
    with pytest.raises(FatalError) as caught:
        read_all(reader(tmp_path, environ))
    assert "c29tZSBvdGhlciBzZWNyZXQ=" not in str(caught.value)
    assert str(caught.value).startswith("Gigya refused accounts.search for apiKey ")
