"""Request limits in front of every route: body size (413) and JSON nesting depth (422).

A plain ASGI middleware, so it sees the body before FastAPI parses it:

- a body larger than `max_request_body_bytes` (JSON, forms) or `max_upload_body_bytes` (multipart uploads
  and CSV files: the routes apply their own, smaller limits for each kind of file) is refused with 413,
  whether it declares a Content-Length or streams chunks;
- a JSON body nested deeper than `max_json_depth`, or not UTF-8, is refused with 422 before it is parsed.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.settings import get_settings

UPLOAD_TYPES = ("multipart/form-data", "text/csv")
METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when the JSON text nests arrays or objects more than `limit` deep (brackets inside strings
    do not count). A linear scan, no recursion: safe on any input."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


async def _send_error(send: Send, code: int, message: str) -> None:
    # A 422 has the shape of FastAPI's own validation errors (the documented schema); the rest a plain message.
    detail = [{"loc": ["body"], "msg": message, "type": "value_error"}] if code == 422 else message
    payload = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": code,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


class RequestLimits:
    """The middleware: `app.add_middleware(RequestLimits)`; the limits come from the settings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        upload = content_type in UPLOAD_TYPES
        limit = settings.max_upload_body_bytes if upload else settings.max_request_body_bytes
        too_large = f"the request body is larger than {limit} bytes"
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await _send_error(send, 413, too_large)
                    return
            except ValueError:
                await _send_error(send, 400, "the Content-Length header is not a number")
                return
        if upload:
            # Streamed to the route, counted as it goes: uploads may be large and are read in chunks.
            await self._stream_counted(scope, receive, send, limit, too_large)
            return
        # Small bodies: read whole (at most `limit` bytes), checked, then replayed to the route.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_error(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if "json" in content_type:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                await _send_error(send, 422, f"the JSON body is not valid UTF-8 (byte {exc.start})")
                return
            if json_depth_exceeds(body, settings.max_json_depth):
                await _send_error(send, 422, f"the JSON body is nested deeper than {settings.max_json_depth} levels")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _stream_counted(self, scope: Scope, receive: Receive, send: Send, limit: int, message: str) -> None:
        size = 0

        async def counted() -> Message:
            nonlocal size
            received = await receive()
            if received["type"] == "http.request":
                size += len(received.get("body", b""))
                if size > limit:
                    # Raised where the route (or FastAPI's form parser) reads the body: the app's
                    # exception handling turns it into a 413 with its JSON detail.
                    raise HTTPException(413, message)
            return received

        await self.app(scope, counted, send)
