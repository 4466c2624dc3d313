#!/usr/bin/env python3
"""Small HTTP targets for the local stack's monitors; GET /_down and /_up on a port switch it."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(host: str = "127.0.0.1", count: int = 3) -> list[ThreadingHTTPServer]:
    servers = []
    for _ in range(count):
        state = {"up": True}

        class Handler(BaseHTTPRequestHandler):
            flag = state

            def do_GET(self) -> None:  # noqa: N802
                if self.path in ("/_down", "/_up"):
                    self.flag["up"] = self.path == "/_up"
                    code = 200
                else:
                    code = 200 if self.flag["up"] else 503
                body = b"elytra target ok\n" if code == 200 else b"down\n"
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((host, 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


if __name__ == "__main__":
    running = serve(count=int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print(json.dumps([s.server_address[1] for s in running]), flush=True)
    threading.Event().wait()
