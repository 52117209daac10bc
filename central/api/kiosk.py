"""The kiosk protocol (ARCHITECTURE.md, "Kiosk <-> central wire protocol")."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import ValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from sqlalchemy import update

from central.api.common import (body_gate, check_device, check_signed, parse_json_object, preauthorize,
                                remember, risky_unicode, state)
from central.api.schemas import (BATCH_BODY_SCHEMA, DEVICE_KEY_BODY_SCHEMA, HEARTBEAT_BODY_SCHEMA, SIGNED_HEADERS,
                                 BatchResponse, ConfigResponse, DeviceKeyResponse, EnrollRequest, EnrollResponse,
                                 HeartbeatResponse, Problem)
from central.clock import load_anchors, parse_sample, record_sample
from central.device_keys import device_key
from central.devices import enroll
from central.db import Database
from central.errors import BadRequest, Forbidden, PayloadTooLarge, TooManyAttempts
from central.settings import Settings
from central.throttle import ENROLL_ADDRESS, Throttle, wait_message
from central.ingest import ingest_batch
from central.models import Device
from central.shows import served_config
from central.timeutil import aware, iso, parse_iso
from sync.record.protocol import UPDATES_SETTLE_S, format_pull_mark, parse_pull_mark

router = APIRouter(prefix="/api/v1", tags=["kiosk"])
log = logging.getLogger("central.security")
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "no/unknown/revoked token, bad signature or timestamp"},
    409: {"model": Problem, "description": "webhook-id already used (replay)"},
    400: {"model": Problem}, 413: {"model": Problem}}


ENROLL_BODY_LIMIT = 4096  # a code and a kiosk name; nothing is authenticated yet, so keep it tiny


@router.post("/enroll", response_model=EnrollResponse, responses={403: {"model": Problem}, 413: {"model": Problem}},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": EnrollRequest.model_json_schema()}}}})
async def post_enroll(request: Request) -> Any:
    """Exchange a single-use enrollment code for this kiosk's device token and signing secret."""
    db, settings = state(request)
    raw = await body_gate(request).read(request, ENROLL_BODY_LIMIT)
    try:
        body = EnrollRequest.model_validate(parse_json_object(raw))
    except ValidationError as exc:
        return JSONResponse({"detail": jsonable_encoder(exc.errors(include_url=False, include_context=False))},
                            status_code=422)
    return await run_in_threadpool(_enroll_throttled, db, settings, body, request.client.host if request.client else "unknown")


def _enroll_throttled(db: Database, settings: Settings, body: EnrollRequest, address: str) -> dict[str, Any]:
    """Codes are single-use and expire, but are typed by people, so not long: a guesser is held
    back per address after a few wrong codes (logged), and then not even a right code passes."""
    throttle = Throttle(db, settings.clock)
    key = f"enroll-address:{address}"
    wait = throttle.wait_s([key])
    if wait > 0:
        log.warning("enrollment refused (throttled) from %s, %.0f s to wait", address, wait)
        raise TooManyAttempts(f"too many wrong enrollment codes from this address: try again in {wait_message(wait)}",
                              wait)
    try:
        return enroll(db, body.code, body.kiosk_name, now=settings.clock())
    except Forbidden:
        log.info("enrollment with a wrong code from %s", address)
        throttle.failed([(key, ENROLL_ADDRESS)], "enrollment")
        raise


@router.get("/config", response_model=ConfigResponse, responses={401: {"model": Problem}, 304: {"description": "unchanged"}})
def get_config(request: Request, authorization: str | None = Header(default=None),
               if_none_match: str | None = Header(default=None)) -> Any:
    """The show configuration of the calling kiosk's show, with an etag (send If-None-Match)."""
    db, _ = state(request)
    device = check_device(db, authorization)
    with db.begin() as conn:
        body = served_config(conn, device.show_id)
    if if_none_match and body["etag"] in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": body["etag"]})
    return JSONResponse(body, headers={"ETag": body["etag"]})


@router.get("/leads:updates", responses={401: {"model": Problem}})
def get_lead_updates(request: Request, authorization: str | None = Header(default=None),
                     since: str | None = None, limit: int = 500, all: bool = False) -> Any:
    """The calling kiosk's leads whose current version was made centrally (review-app edits,
    merges), in (updated_at, id) order: the kiosk takes them as new local versions (two-way sync).
    ``since``: a previous answer's ``until`` (``sync.record.protocol`` says what a mark means).
    ``all=true``: every lead of this kiosk, edited centrally or not (a kiosk restoring leads its
    damaged store lost). ``more``: a full page ended on a settled row; ask again at once."""
    from datetime import timedelta

    from sqlalchemy import and_, exists, or_, select

    from central.models import Lead, LeadVersion
    db, settings = state(request)
    device = check_device(db, authorization)
    limit = max(1, min(int(limit), 1000))
    try:
        after = parse_pull_mark(since) if since else None
    except ValueError as exc:
        raise BadRequest(f"since: {exc}") from None
    # nothing at or before ``settled`` can still commit: the mark never passes it (issue 14)
    settled = settings.clock() - timedelta(seconds=UPDATES_SETTLE_S)
    central_made = exists().where(and_(LeadVersion.lead_id == Lead.id, LeadVersion.version == Lead.version,
                                       LeadVersion.device_id.is_(None)))
    q = (select(Lead.id, Lead.record_json, Lead.updated_at).where(Lead.device_id == device.id)
         .order_by(Lead.updated_at, Lead.id).limit(limit))
    if not all:
        q = q.where(central_made)
    if after is not None:
        at, lead_id = after
        q = q.where(or_(Lead.updated_at > at, and_(Lead.updated_at == at, Lead.id > lead_id))
                    if lead_id else Lead.updated_at > at)
    with db.begin() as conn:
        rows = conn.execute(q).all()
    last_at = aware(rows[-1].updated_at) if len(rows) == limit else None
    more = last_at is not None and last_at <= settled
    if more and last_at is not None:
        until = format_pull_mark(last_at, rows[-1].id)
    else:
        # every row up to ``settled`` was sent; newer ones (if any) come again next time
        until = format_pull_mark(settled)
    return JSONResponse({"leads": [r.record_json for r in rows], "until": until, "more": more})


@router.post("/leads:batch", response_model=BatchResponse, responses=AUTH_ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": BATCH_BODY_SCHEMA}}},
                            "parameters": SIGNED_HEADERS})
async def post_leads_batch(request: Request, authorization: str | None = Header(default=None)) -> Any:
    """Store a batch of lead versions; the result per lead says what the kiosk may mark as sent."""
    db, settings = state(request)
    headers = dict(request.headers)
    # token and signature headers before a byte of the body: a bad token costs no memory
    device = await run_in_threadpool(preauthorize, db, authorization, headers, settings.clock())
    body = await body_gate(request).read(request, settings.max_body_bytes)

    def work() -> dict[str, Any]:
        signed = check_signed(db, authorization, headers, body, settings.clock(), device)
        data = parse_json_object(body)
        leads = data.get("leads")
        if not isinstance(leads, list):
            raise BadRequest("leads: expected a list of lead records")
        if len(leads) > settings.max_batch:
            raise PayloadTooLarge(f"leads: at most {settings.max_batch} per batch, got {len(leads)}")
        sample = parse_sample(data.get("clock"))
        worker = getattr(request.app.state, "worker", None)
        outcome = ingest_batch(db, signed.device, leads, settings, now=signed.now, clock=sample,
                               strict_unicode=risky_unicode(body), worker=worker,
                               first=lambda conn: remember(conn, signed))
        return {"results": outcome.results}

    return JSONResponse(await run_in_threadpool(work))


@router.post("/heartbeat", response_model=HeartbeatResponse, responses=AUTH_ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": HEARTBEAT_BODY_SCHEMA}}},
                            "parameters": SIGNED_HEADERS})
async def post_heartbeat(request: Request, authorization: str | None = Header(default=None)) -> Any:
    """Pending counts per destination, last sync time and the device clock sample."""
    db, settings = state(request)
    headers = dict(request.headers)
    # token and signature headers before a byte of the body: a bad token costs no memory
    device = await run_in_threadpool(preauthorize, db, authorization, headers, settings.clock())
    body = await body_gate(request).read(request, 256 * 1024)

    def work() -> dict[str, Any]:
        signed = check_signed(db, authorization, headers, body, settings.clock(), device)
        data = parse_json_object(body)
        pending = data.get("pending") or {}
        if not isinstance(pending, dict) or len(pending) > 100 or not all(
                isinstance(k, str) and len(k) <= 100 and "\x00" not in k and type(v) is int and 0 <= v < 2**31
                for k, v in pending.items()):
            raise BadRequest("pending: expected an object of destination name -> count >= 0")
        last_sync = None
        if data.get("last_sync_at") is not None:
            try:
                last_sync = parse_iso(data["last_sync_at"])
            except ValueError as exc:
                raise BadRequest(f"last_sync_at: {exc}") from None
        sample = parse_sample(data.get("clock"))
        offset = signed.device.clock_offset_s
        with db.write() as conn:
            remember(conn, signed)
            if sample is not None:
                measured = record_sample(conn, signed.device.id, sample, signed.now, load_anchors(conn, signed.device.id))
                offset = measured if measured is not None else offset
            conn.execute(update(Device).where(Device.id == signed.device.id).values(
                pending_json=pending, last_sync_at=last_sync, last_seen_at=signed.now))
        return {"device_id": signed.device.id, "server_time": iso(signed.now), "clock_offset_s": offset}

    return await run_in_threadpool(work)


@router.post("/device-key", response_model=DeviceKeyResponse, responses=AUTH_ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": DEVICE_KEY_BODY_SCHEMA}}},
                            "parameters": SIGNED_HEADERS})
async def post_device_key(request: Request, authorization: str | None = Header(default=None)) -> Any:
    """This kiosk's central public key (it seals personal data to it) and its wrap key (it unlocks
    its own private key with it). Signed like every kiosk request; a revoked device gets 401."""
    db, settings = state(request)
    headers = dict(request.headers)
    device = await run_in_threadpool(preauthorize, db, authorization, headers, settings.clock())
    body = await body_gate(request).read(request, 16 * 1024)

    def work() -> dict[str, Any]:
        signed = check_signed(db, authorization, headers, body, settings.clock(), device)
        data = parse_json_object(body)
        public = data.get("kiosk_public_key")
        if public is not None and not isinstance(public, str):
            raise BadRequest("kiosk_public_key: expected base64 text or null")
        with db.write() as conn:
            remember(conn, signed)
        return device_key(db, signed.device, public, signed.now)

    return await run_in_threadpool(work)
