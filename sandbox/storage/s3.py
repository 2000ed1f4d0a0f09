"""An S3 stand-in: moto's server mode, run as a child process on loopback.

moto speaks S3's REST protocol (SigV4, multipart uploads, ranged GETs, ETags), so the engine's boto3 client talks
to it exactly as to AWS. With ``enforce_auth`` moto checks every request against IAM users it holds: the server
gets two users before it starts enforcing, ``writer`` (every S3 action) and ``reader`` (get and list only), so
wrong credentials and refused permissions answer as AWS does (``InvalidAccessKeyId``, ``SignatureDoesNotMatch``,
``AccessDenied``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from sandbox.storage.process import ServerProcess, ServerUnavailable, StandIn

REGION = "us-east-1"
_SETUP_CALLS = 6  # the IAM calls made before moto starts checking credentials (see _add_users)
_POLICIES = {
    "writer": {"Effect": "Allow", "Action": "*", "Resource": "*"},
    "reader": {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
}


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str


class S3Server(StandIn):
    """``with S3Server() as s3:`` → ``s3.endpoint``, ``s3.writer``/``s3.reader`` credentials, ``s3.client()``."""

    def __init__(self, enforce_auth: bool = True, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            import boto3  # noqa: F401
            import moto.server  # noqa: F401
        except ImportError as missing:
            raise ServerUnavailable(
                f"the S3 sandbox needs moto's server ({missing.name} is not installed): "
                "pip install 'identitysync-dataflow[sandbox]'"
            ) from None
        environ = {"INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_CALLS)} if enforce_auth else {}
        self.enforce_auth = enforce_auth
        self.process = ServerProcess(
            "moto (S3)",
            [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
            r"Running on (http://\S+)",
            environ,
        )
        self.endpoint = ""
        self.region = REGION
        self.users: dict[str, S3Credentials] = {}

    def start(self) -> S3Server:
        self.endpoint = self.process.start()
        try:
            self._add_users()
        except BaseException:
            self.process.stop()
            raise
        return self

    def stop(self) -> None:
        self.process.stop()

    @property
    def writer(self) -> S3Credentials:
        return self.users["writer"]

    @property
    def reader(self) -> S3Credentials:
        return self.users["reader"]

    def client(self, user: str = "writer", service: str = "s3") -> Any:
        import boto3
        from botocore.config import Config

        credentials = self.users[user]
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def info(self) -> dict[str, Any]:
        """What a flow needs to reach the stand-in (printed by ``dataflow sandbox s3``)."""
        return {
            "service": "s3",
            "endpoint": self.endpoint,
            "region": self.region,
            "accessKey": self.writer.access_key,
            "secretKey": self.writer.secret_key,
        }

    def _add_users(self) -> None:
        import boto3

        if not self.enforce_auth:
            self.users = {name: S3Credentials("sandbox-access-key", "sandbox-secret-key") for name in _POLICIES}
            return
        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        for name, statement in _POLICIES.items():  # three calls per user: _SETUP_CALLS in all
            iam.create_user(UserName=name)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
            iam.put_user_policy(UserName=name, PolicyName=f"{name}-s3", PolicyDocument=document)
            self.users[name] = S3Credentials(key["AccessKeyId"], key["SecretAccessKey"])
