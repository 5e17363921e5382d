#!/usr/bin/env python3
"""A real SMTP server on loopback for the notification tests (aiosmtpd, from PyPI).

    smtp_sink.py PORT DIR

Accepts every message and saves it as DIR/NNNNNN.json: {"mail_from", "rcpt_tos", "data"} (data is
the message exactly as received, CRLF line ends), written atomically (temporary name, then rename),
so a reader never sees half a message. Prints "ready" once listening. Stops on SIGTERM or SIGKILL.
"""
import asyncio
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%06d.json" % self.count)
        body = envelope.original_content if envelope.original_content is not None else envelope.content
        record = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                  "data": body.decode("utf-8", "surrogateescape")}
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Saver(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    controller.stop()


if __name__ == "__main__":
    main()
