"""The error answers the routes give, as the OpenAPI schema lists them: JSON whose `detail` says what is wrong.
Each route names its own (`responses=errors(401, 404, ...)`); the schemathesis run in the suite fails on a
status code a route gives but does not list."""

from pydantic import BaseModel, Field

REASONS = {
    400: "The body cannot be read as the media type it claims (malformed multipart data)",
    401: "No valid `X-API-Key` header",
    403: "The caller may see this but not do it; `detail` says why",
    404: "No such resource, or none the caller may see",
    409: "The record's current state rules this out; `detail` says why",
    413: "The body is over the size limit",
    415: "The body is not of the media type this route takes",
    429: "Too many requests from this client; try again later",
    503: "The Prefect server is not reachable now; nothing was started",
}


class ErrorMessage(BaseModel):
    detail: str = Field(description="What is wrong, in a sentence")


def errors(*codes: int, why: dict[int, str] | None = None) -> dict[int | str, dict]:
    """The `responses` of a route: each status code with its reason (`why` gives a route's own wording)."""
    reasons = REASONS | (why or {})
    return {code: {"model": ErrorMessage, "description": reasons[code]} for code in (*codes, *(why or {}))}
