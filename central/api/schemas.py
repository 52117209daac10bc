"""Pydantic models of the wire protocol, for validation where FastAPI parses the body and for the
OpenAPI description (schemathesis generates requests from it)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from sync.record.protocol import BatchStatus


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class EnrollRequest(BaseModel):
    code: str = Field(min_length=1, max_length=100)
    kiosk_name: str = Field(default="kiosk", min_length=1, max_length=200)
    _check = field_validator("code", "kiosk_name")(_no_nul)


class EnrollResponse(BaseModel):
    device_id: str
    token: str
    signing_secret: str
    show_id: str
    show_name: str


class LeadResult(BaseModel):
    id: str | None
    version: int | None
    status: BatchStatus
    reason: str | None
    merged_version: int | None = None    # merged: the version central now holds (take ``record``)
    record: dict[str, Any] | None = None  # merged: the whole merged record, conflicts included


class BatchResponse(BaseModel):
    results: list[LeadResult]


class ConfigResponse(BaseModel):
    show: dict[str, Any]
    form_yaml: str
    badge_yaml: str | None
    roster_csv: str | None
    destinations: list[dict[str, Any]]
    etag: str


class HeartbeatResponse(BaseModel):
    device_id: str
    server_time: str
    clock_offset_s: float | None


class DeviceKeyResponse(BaseModel):
    device_id: str
    central_public_key: str
    wrap_key: str


class Problem(BaseModel):
    detail: str
    server_time: str | None = None


class RevokeResponse(BaseModel):
    device_id: str
    revoked_at: str | None


class CodeResponse(BaseModel):
    code: str
    show_id: str


CLOCK_SCHEMA = {"type": "object", "properties": {
    "synchronised": {"type": "boolean"}, "source": {"type": "string"},
    "device_time": {"type": "string", "format": "date-time"}, "monotonic_s": {"type": "number"},
    "boot_id": {"type": "string"}}}

BATCH_BODY_SCHEMA = {
    "type": "object", "required": ["leads"],
    "properties": {
        "leads": {"type": "array", "items": {"type": "object", "description": "a lead record (schema 1)",
                                             "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                                                            "show_id": {"type": "string"}}}},
        "clock": CLOCK_SCHEMA}}

HEARTBEAT_BODY_SCHEMA = {
    "type": "object",
    "properties": {"pending": {"type": "object", "additionalProperties": {"type": "integer"}},
                   "last_sync_at": {"type": ["string", "null"], "format": "date-time"},
                   "clock": CLOCK_SCHEMA}}

DEVICE_KEY_BODY_SCHEMA = {
    "type": "object",
    "properties": {"kiosk_public_key": {"type": ["string", "null"]}}}

SIGNED_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"}},
]
