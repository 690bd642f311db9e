r"""POST /intake/email: a mail service hands in one raw message, signed with a shared secret.

The body is the message exactly as received (Content-Type: message/rfc822 or
application/octet-stream). Two headers sign it: X-Helpdesk-Timestamp, the unix time in seconds,
and X-Helpdesk-Signature, "sha256=" and the hex HMAC-SHA256, keyed with
HELPDESK_INTAKE_WEBHOOK_SECRET, of the timestamp, a dot and the body. For example:

    secret='the shared secret'; ts=$(date +%s)
    sig=$( { printf '%s.' "$ts"; cat message.eml; } | openssl dgst -sha256 -hmac "$secret" -r \
        | cut -d' ' -f1)
    curl -sS https://helpdesk.example/intake/email -H 'Content-Type: message/rfc822' \
        -H "X-Helpdesk-Timestamp: $ts" -H "X-Helpdesk-Signature: sha256=$sig" \
        --data-binary @message.eml

Answers: 200 with intake's result as JSON once the message is stored, whatever became of it
(created, appended, duplicate, ignored or quarantined), so the caller never sends it again;
503 with Retry-After when it could not be stored, so the caller retries. Refusals are problem
details: 401 unsigned, wrongly signed, or more than HELPDESK_INTAKE_WEBHOOK_MAX_AGE_SECONDS off
the server's clock; 400 an empty body; 413 over HELPDESK_INTAKE_MAX_MESSAGE_BYTES; 415 another
content type. Without a secret the webhook is off and the path answers 404. A request replayed
within the time window stores a copy that intake files as a duplicate.
"""

import time

from flask import Blueprint, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import intake, signing
from ..extensions import csrf
from .error_pages import problem

bp = Blueprint("webhook", __name__)
csrf.exempt(bp)  # the signature, not a cookie, authenticates these requests

CONTENT_TYPES = {"message/rfc822", "application/octet-stream"}
CHALLENGE = {"WWW-Authenticate": 'HMAC-SHA256 realm="helpdesk-intake"'}
RETRY_AFTER_SECONDS = 60


@bp.post("/intake/email")
def receive_email():
    config = current_app.config
    secret = config["HELPDESK_INTAKE_WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    if request.mimetype not in CONTENT_TYPES:
        detail = "Send the raw message as message/rfc822 or application/octet-stream."
        return problem(415, "Unsupported media type", detail)
    limit = config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"]
    request.max_content_length = limit
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return problem(413, "Message too large", f"The limit is {limit} bytes.")
    refusal = signing.verify_webhook(
        secret,
        request.headers.get("X-Helpdesk-Timestamp"),
        request.headers.get("X-Helpdesk-Signature"),
        body,
        now=time.time(),
        max_age=config["HELPDESK_INTAKE_WEBHOOK_MAX_AGE_SECONDS"],
    )
    if refusal:
        return problem(401, "Signature refused", refusal, CHALLENGE)
    if not body:
        return problem(400, "Empty message", "The body must be the raw message.")
    try:
        result = intake.receive(
            body, intake.Channel.WEBHOOK, source=f"webhook:{request.remote_addr}"
        )
    except intake.StoreFailed:
        detail = "The message could not be stored. Send it again later."
        return problem(503, "Not stored", detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return result.as_json("webhook")
