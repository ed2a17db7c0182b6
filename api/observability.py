"""Request metrics and structured logs: a pure-ASGI middleware that counts and times every request by route
template, a JSON log formatter, and a logging filter that masks personal data in every record it sees.

Request bodies and query strings are never logged: a request line names the route template (``/api/v1/cases/
{number}``), never the path or the query. The filter (``classifier.pii.redact``) is a guard for anything that
slips through, e.g. uvicorn's own access line, which carries the raw query string."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from datetime import datetime

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from classifier.pii import _PROVINCES, redact
from triage.clock import BUSINESS_TZ
from triage.stats import Snapshot

LOGGER = "liaison_triage"
HTTP_LOGGER = "liaison_triage.http"
EVENT_LOGGER = "liaison_triage.events"
GUARDED_LOGGERS = (LOGGER, HTTP_LOGGER, EVENT_LOGGER, "uvicorn", "uvicorn.access", "uvicorn.error", "fastapi")
UNMATCHED = "<unmatched>"  # the route label of requests no route matched (keeps label values bounded)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
# Every masked kind needs a digit, an "@" or a plate's province character: other text is left alone unscanned.
_SUSPECT = re.compile(r"[\d@" + _PROVINCES + r"]")
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def mask(text: str) -> str:
    """``text`` with personal data masked (``classifier.pii.redact``), skipping text that cannot hold any."""
    return redact(text)[0] if _SUSPECT.search(text) else text


class PiiFilter(logging.Filter):
    """Masks phone numbers, ID numbers, bank cards, e-mail addresses and plates in a record's message, arguments,
    extra string fields, exception text and stack text (records are changed in place, never dropped)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_masked", False):  # already done by a filter upstream
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: keep its parts, as text
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask(message), None
        for key, value in list(record.__dict__.items()):
            if key not in _RESERVED and isinstance(value, str):
                setattr(record, key, mask(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        record._pii_masked = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (business time, with offset), level, logger, message, request id, and the
    record's extra fields (``logger.info("…", extra={"event": …})``)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, BUSINESS_TZ).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in line and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def guard_loggers(names: tuple[str, ...] = GUARDED_LOGGERS) -> None:
    """Put a :class:`PiiFilter` on each named logger (once), so records logged there are masked before any
    handler sees them."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PiiFilter) for f in logger.filters):
            logger.addFilter(PiiFilter())


def configure_logging(level: int = logging.INFO, stream=None) -> logging.Handler:  # noqa: ANN001 - a text stream
    """JSON lines on ``stream`` (default stderr) from the root logger, masked by a :class:`PiiFilter` on the
    handler (so records of every logger are covered); replaces a handler this function installed before."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_liaison_json", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler._liaison_json = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PiiFilter())
    root.addHandler(handler)
    logging.getLogger(LOGGER).setLevel(level)
    guard_loggers()
    return handler


def event(name: str, **fields: object) -> None:
    """Log a domain event as one structured line, e.g. ``event("submission_created", case_number=…, topic=…)``.
    Pass masked values only; the filter masks what it recognises anyway."""
    extra = {("field_" + k if k in _RESERVED else k): v for k, v in fields.items()}
    logging.getLogger(EVENT_LOGGER).info(name, extra={"event": name, **extra})


class Metrics:
    """This process's request counters and latency histogram (its own registry: one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("liaison_http_requests", "HTTP requests by method, route template and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("liaison_http_request_duration_seconds", "HTTP request latency by route template",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)


class _Figures(Collector):
    """Database figures of one scrape, as Prometheus families."""

    def __init__(self, snapshot: Snapshot | None, model_version: str | None) -> None:
        self.snapshot, self.model_version = snapshot, model_version

    def collect(self):  # noqa: ANN201 - an iterator of metric families
        yield GaugeMetricFamily("liaison_database_up", "1 when the database answered this scrape",
                                value=1 if self.snapshot is not None else 0)
        info = GaugeMetricFamily("liaison_model_info", "The loaded classifier model", labels=["version"])
        if self.model_version is not None:
            info.add_metric([self.model_version], 1)
        yield info
        if self.snapshot is None:
            return
        s = self.snapshot
        predictions = CounterMetricFamily("liaison_predictions", "Submissions stored, by predicted topic",
                                          labels=["topic"])
        for topic, count in s.predictions.items():
            predictions.add_metric([topic], count)
        yield predictions
        depth = GaugeMetricFamily("liaison_queue_depth", "Open cases per station", labels=["station"])
        for station, count in s.queue_depth.items():
            depth.add_metric([station], count)
        yield depth
        yield GaugeMetricFamily("liaison_cases_overdue", "Open cases past their SLA due time (red)", value=s.red)
        yield GaugeMetricFamily("liaison_cases_due_soon", "Open cases with less than one working day left (yellow)",
                                value=s.yellow)
        known = GaugeMetricFamily("liaison_calendar_year_known",
                                  "1 when the year has holiday data; 0: deadlines count weekends only (import it)",
                                  labels=["year"])
        for year, is_known in s.calendar_known.items():
            known.add_metric([str(year)], 1 if is_known else 0)
        yield known


def exposition(metrics: Metrics, *, snapshot: Snapshot | None, model_version: str | None) -> bytes:
    """The Prometheus text of the request metrics and the scrape-time database figures. Under several workers
    (``triage serve --workers N`` sets PROMETHEUS_MULTIPROC_DIR) the request metrics are summed over them all."""
    requests = metrics.registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Figures(snapshot, model_version))
    return generate_latest(requests) + generate_latest(scrape)


class RequestMiddleware:
    """Times and counts each HTTP request, logs one JSON-ready line for it, and tags it with a request id
    (``X-Request-ID``: the caller's if it is a plain token, else a new one; echoed on the response)."""

    def __init__(self, app, metrics: Metrics) -> None:  # noqa: ANN001 - an ASGI app
        self.app, self.metrics = app, metrics
        self.log = logging.getLogger(HTTP_LOGGER)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_tagged(message) -> None:  # noqa: ANN001
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_tagged)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "")
            self.metrics.observe(method=method, route=template, status=status, seconds=seconds)
            level = logging.ERROR if status >= 500 else logging.INFO
            self.log.log(level, "%s %s %d %.1fms", method, template, status, seconds * 1000,
                         extra={"event": "http_request", "method": method, "route": template, "status": status,
                                "duration_ms": round(seconds * 1000, 1), "request_id": rid})
            request_id.reset(token)


def install(app: FastAPI) -> Metrics:
    """Wire metrics and logging into ``app``: the middleware, ``app.state.metrics``, masked loggers, and JSON
    logs on stderr when the host has not configured logging itself (e.g. under ``triage serve``)."""
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(RequestMiddleware, metrics=metrics)
    guard_loggers()
    if not logging.getLogger().handlers:
        configure_logging()
    return metrics
