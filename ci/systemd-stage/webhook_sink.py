#!/usr/bin/env python3
"""A tiny HTTP server for ci/systemd-stage: saves the body of every POST as a file.

    python3 webhook_sink.py HOST PORT DIRECTORY

Each POST becomes DIRECTORY/N.body (written under a temporary name, then renamed) and is
answered 204. Plain HTTP: what the stage checks is the sandbox's network opening, which is the
same for TLS (the handshake happens above the socket the drop-in lets through).
"""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        directory = self.server.directory
        count = len([n for n in os.listdir(directory) if n.endswith(".body")]) + 1
        temporary = os.path.join(directory, f".{count}.tmp")
        with open(temporary, "wb") as out:
            out.write(body)
        os.rename(temporary, os.path.join(directory, f"{count}.body"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        print("webhook-sink: " + format % args, flush=True)


def main():
    host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(directory, exist_ok=True)
    server = http.server.HTTPServer((host, port), Handler)
    server.directory = directory
    print(f"webhook-sink: listening on {host}:{port}, saving into {directory}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
