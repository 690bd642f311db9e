"""The app as gunicorn serves it in the fault scenarios, with two hooks a scenario drives by
request headers, so that it can kill -9 the worker at a known point of a request:

- X-Fault-Tag: NAME  the worker writes its process id to FAULT_DIR/NAME as the request begins
  (before the form is read: an upload still arriving is in its hands by then);
- X-Fault-Hold: after-commit  the worker touches FAULT_DIR/NAME.held once the view has
  committed, then holds the answer back for a while: a kill now loses the answer, not the data.

Nothing else differs from wsgi.py.
"""

import os
import time
from pathlib import Path

from flask import request

from helpdesk import create_app

HOLD_SECONDS = 20  # far longer than a scenario waits before it kills the worker

app = create_app()
fault_dir = Path(os.environ["FAULT_DIR"])


def note_the_worker() -> None:
    if tag := request.headers.get("X-Fault-Tag"):
        note = fault_dir / f"{tag}.tmp"
        note.write_text(str(os.getpid()))
        note.replace(fault_dir / tag)


# First of all, before the CSRF check reads the form (and so waits for the whole upload).
app.before_request_funcs.setdefault(None, []).insert(0, note_the_worker)


@app.after_request
def hold_the_answer(response):
    tag = request.headers.get("X-Fault-Tag")
    if tag and request.headers.get("X-Fault-Hold") == "after-commit":
        (fault_dir / f"{tag}.held").touch()
        time.sleep(HOLD_SECONDS)
    return response
