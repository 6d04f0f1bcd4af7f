"""Checks run by scripts/hostile-input.sh beside schemathesis's own `not_a_server_error`.

Every error the API returns is application/problem+json with a stable, machine-readable
`code` (lower snake case) and the HTTP status repeated in `status`. One exception: a request
whose header values hold control characters is not HTTP (RFC 9110 §5.5); the HTTP parser
refuses it with a bare 400 and closes the connection before any route sees it.
"""
import json
import re

import schemathesis

CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _not_http(request):
    for name, value in request.headers.items():
        raw = value.encode("latin-1", "replace") if isinstance(value, str) else value
        if any((b < 0x20 and b != 0x09) or b == 0x7F for b in raw):
            return True
    return False


@schemathesis.check
def problem_json_errors(response, case):
    if response.status_code < 400:
        return None
    if response.status_code == 400 and not response.content and _not_http(response.request):
        return None
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    assert media == "application/problem+json", (
        f"error {response.status_code} is {media or 'without a content type'}, "
        "not application/problem+json"
    )
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"error {response.status_code}: problem body is not JSON: {e}")
    assert isinstance(body, dict), "the problem is a JSON object"
    code = body.get("code")
    assert isinstance(code, str) and CODE.match(code), f"problem without a stable code: {code!r}"
    assert body.get("status") == response.status_code, (
        f"problem status {body.get('status')!r} differs from HTTP {response.status_code}"
    )
    return None


# Figures for the script's summary: cases sent per operation, written when schemathesis exits.
_CASES = {}
_STATUSES = {}


@schemathesis.hook
def after_call(context, case, response):
    name = f"{case.operation.method.upper()} {case.operation.path}"
    _CASES[name] = _CASES.get(name, 0) + 1
    status = f"{response.status_code // 100}xx"
    _STATUSES[status] = _STATUSES.get(status, 0) + 1


def _write_figures():
    import os

    path = os.environ.get("HOSTILE_FIGURES")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"cases": _CASES, "statuses": _STATUSES}, f)


import atexit  # noqa: E402

atexit.register(_write_figures)
