"""A small HTTP server on loopback with Range support, serving bytes the test chooses.

The standard library's SimpleHTTPRequestHandler ignores Range; downloads must be tested
for resume, dropped connections and servers without resume support. Used through the
``server`` fixture in tests/conftest.py; never reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    drops: list[int] = field(default_factory=list)  # per request: close after this many bytes
    ranges: bool = True  # False: ignore Range headers like a server without resume support


class RangeHandler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        route = self.server.routes.get(self.path)
        self.server.requests.append((self.path, self.headers.get("Range")))
        if route is None:
            self.send_error(404)
            return
        body, start = route.body, 0
        wanted = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if wanted and route.ranges:
            start = int(wanted.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if route.drops:
            payload = payload[:route.drops.pop(0)]  # then the connection closes: a drop
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class LoopbackServer(ThreadingHTTPServer):
    routes: dict[str, Route]
    requests: list[tuple[str, str | None]]


def start_server() -> tuple[LoopbackServer, threading.Thread]:
    """A server on a free loopback port, running in a daemon thread; ``.base`` is its URL."""
    srv = LoopbackServer(("127.0.0.1", 0), RangeHandler)
    srv.routes, srv.requests = {}, []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    return srv, thread


def stop_server(srv: LoopbackServer, thread: threading.Thread) -> None:
    srv.shutdown()
    srv.server_close()
    thread.join()
