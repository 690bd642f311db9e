"""wsgi.py for the worker-kill test: the same app, but the evidence store stalls for good after
writing a file's first chunk, so the test can kill the worker while a file is half on disk."""

from helpdesk import create_app

from .store_faults import StallsAfterFirstWrite, wrap_store_files

wrap_store_files(StallsAfterFirstWrite)
app = create_app()
