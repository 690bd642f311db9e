"""Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, …), through boto3.

Credentials come from HELPDESK_S3_ACCESS_KEY_ID/..._SECRET_ACCESS_KEY when set, else from
boto3's usual chain (AWS_ACCESS_KEY_ID and friends, a profile, an instance role). A PUT of an
object is atomic in S3: a reader sees the old object or the new one, never half of either.
"""

from collections.abc import Iterator
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from . import BlobMissing, check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    transactional = False

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_config(cls, config: dict) -> "S3Store":
        credentials = {
            "aws_access_key_id": config["HELPDESK_S3_ACCESS_KEY_ID"] or None,
            "aws_secret_access_key": config["HELPDESK_S3_SECRET_ACCESS_KEY"] or None,
        }
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config["HELPDESK_S3_ENDPOINT_URL"] or None,
            region_name=config["HELPDESK_S3_REGION"] or None,
            config=Config(retries={"mode": "standard", "max_attempts": 5}),
            **credentials,
        )
        return cls(client, config["HELPDESK_S3_BUCKET"])

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        body = data if isinstance(data, bytes) else data.read()
        self.client.put_object(Bucket=self.bucket, Key=check_key(key), Body=body)

    def get(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if _code(error) in _MISSING:
                raise BlobMissing(key) from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def rename(self, source: str, target: str) -> None:
        """A copy, then the source deleted: S3 has no rename."""
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=check_key(target),
                CopySource={"Bucket": self.bucket, "Key": source},
            )
        except ClientError as error:
            if _code(error) in _MISSING:
                raise BlobMissing(source) from None
            raise
        self.delete(source)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
