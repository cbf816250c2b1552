"""A local HTTP server that misbehaves the way publishers do, scripted per path, for tests.

`server.routes[path] = [action, ...]` plays the actions in turn (the last one repeats); every request
is recorded in `server.requests` as (path, headers). HEAD is refused (501, as many servers do) unless
`server.answers_head` is set: then it plays the path's next action without its body, and is recorded in
`server.heads`.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CSV = b"Fiscal Year,Encounter Count\r\n2020,5\r\n"


class _Handler(BaseHTTPRequestHandler):
    """Plays the next scripted action for the path (the last one repeats), recording each request."""

    def do_GET(self):
        server = self.server
        with server.lock:
            server.requests.append((self.path, dict(self.headers)))
            actions = server.routes.get(self.path, [not_found])
            action = actions.pop(0) if len(actions) > 1 else actions[0]
        action(self)

    def do_HEAD(self):
        server = self.server
        if not server.answers_head:
            self.send_error(501)
            return
        with server.lock:
            server.heads.append((self.path, dict(self.headers)))
            actions = server.routes.get(self.path, [not_found])
            action = actions.pop(0) if len(actions) > 1 else actions[0]
        self.wfile = _HeadersOnly(self.wfile)
        action(self)

    def log_message(self, *args):
        pass


class _HeadersOnly:
    """A response stream that sends the header block (one write, from end_headers) and drops the body."""

    def __init__(self, stream):
        self._stream, self._sent_headers = stream, False

    def write(self, data: bytes) -> int:
        if not self._sent_headers:
            self._sent_headers = True
            return self._stream.write(data)
        return len(data)

    def flush(self):
        self._stream.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that time out or hang up on purpose are not errors here


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes, srv.requests, srv.lock = {}, [], threading.Lock()
    srv.answers_head, srv.heads = False, []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


def closed_port() -> int:
    """A local port nothing listens on: every connection to it is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def reply(status=200, body=b"", headers=None):
    def action(h: BaseHTTPRequestHandler):
        h.send_response(status)
        for name, value in {"Content-Type": "text/csv", "Content-Length": str(len(body)), **(headers or {})}.items():
            if value is not None:
                h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    return action


def not_found(h):
    reply(404, b"no such file", {"Content-Type": "text/html"})(h)


def reset(h: BaseHTTPRequestHandler):
    """Hang up with a TCP reset before answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def stall(h):
    time.sleep(2)


def short_body(h: BaseHTTPRequestHandler):
    """Promise 1000 bytes, send 100, hang up."""
    h.send_response(200)
    h.send_header("Content-Type", "text/csv")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b"x" * 100)
    h.wfile.flush()


def conditional_on(body: bytes):
    """Serve `body` as version "v1", and 304 to a request that already has it."""

    def action(h: BaseHTTPRequestHandler):
        if h.headers.get("If-None-Match") == '"v1"':
            reply(304, headers={"ETag": '"v1"', "Content-Length": None, "Content-Type": None})(h)
        else:
            reply(200, body, {"ETag": '"v1"', "Last-Modified": "Mon, 06 Nov 2023 10:00:00 GMT"})(h)

    return action


conditional = conditional_on(CSV)


def drip(seconds: float = 30.0, every: float = 0.1):
    """A 200 with no Content-Length whose body comes a byte every `every` seconds for `seconds` (a read
    never times out), then ends: a client without a deadline of its own waits it all out."""

    def action(h: BaseHTTPRequestHandler):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.end_headers()
        try:
            for _ in range(int(seconds / every)):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up

    return action
