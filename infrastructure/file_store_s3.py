"""Evidence files in an S3-compatible bucket (AWS S3, MinIO, Ceph …), each under
``<prefix>/<sha256>``. Chosen by ``CHUISHAO_FILE_STORE=s3://bucket/prefix``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from application.errors import StorageUnavailable
from domain.errors import InvalidValue
from domain.evidence import check_sha256

_MISSING = {"NoSuchKey", "404", "NotFound"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (bucket, "some/prefix")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise InvalidValue(
            "文件存储须为 s3://存储桶/前缀", "CHUISHAO_FILE_STORE must read s3://bucket/prefix"
        )
    return parts.netloc, parts.path.strip("/")


class S3FileStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> S3FileStore:
        bucket, prefix = parse_s3_url(url)
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
        )
        return cls(client, bucket, prefix)

    def key(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}/{sha256}" if self.prefix else sha256

    def put(self, sha256: str, data: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=data,
                ContentType="application/octet-stream",  # never served from the bucket as-is
            )
        except (BotoCoreError, ClientError) as e:
            raise StorageUnavailable(f"file store: {type(e).__name__}") from e

    def get(self, sha256: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
            return bytes(answer["Body"].read())
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise StorageUnavailable(f"file store: {type(e).__name__}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"file store: {type(e).__name__}") from e
