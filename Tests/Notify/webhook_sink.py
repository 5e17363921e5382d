#!/usr/bin/env python3
"""A webhook receiver on loopback for the notification tests.

    webhook_sink.py PORT DIR [STATUS]

Answers every POST with STATUS (default 200) and, when it is 2xx, saves the request as
DIR/NNNNNN.json: {"path", "headers", "body"} (atomically). Prints "ready" once listening. The tests
stop it (SIGKILL) to take the receiver down and start it again on the same port to bring it back.
"""
import http.server
import json
import os
import sys

port, directory = int(sys.argv[1]), sys.argv[2]
status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
os.makedirs(directory, exist_ok=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if 200 <= status < 300:
            count = len([n for n in os.listdir(directory) if n.endswith(".json")]) + 1
            path = os.path.join(directory, "%06d.json" % count)
            with open(path + ".tmp", "w") as f:
                json.dump({"path": self.path, "headers": dict(self.headers.items()), "body": body.decode("utf-8")}, f)
            os.rename(path + ".tmp", path)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if status < 300 else b"no")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
server.allow_reuse_address = True
print("ready", flush=True)
server.serve_forever()
