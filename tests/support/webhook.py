"""A local alert webhook for tests: an HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def webhook() -> Iterator[ThreadingHTTPServer]:
    """The running server: `.posted` lists the bodies received, `.url` is where to POST."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.posted = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
