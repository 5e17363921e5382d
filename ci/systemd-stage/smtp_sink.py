#!/usr/bin/env python3
"""A tiny SMTP server for ci/systemd-stage: accepts messages and saves each one as a file.

    python3 smtp_sink.py HOST PORT DIRECTORY [USER PASSWORD]

Each message becomes DIRECTORY/N.eml (written under a temporary name, then renamed): the
envelope (X-Sink-Mail-From:, X-Sink-Rcpt-To:, X-Sink-Auth: the user who authenticated, or
"none") followed by the data exactly as received. With USER and PASSWORD the server offers
AUTH PLAIN, refuses MAIL FROM until a client has authenticated with exactly those, and answers
535 to any other pair (so a saved message proves the client sent the right password).
Python 3.11's smtpd module (deprecated, removed in 3.12) is what Debian 12's python3 has; its
DeprecationWarning is silenced.
"""
import base64
import os
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asyncore  # noqa: E402
import smtpd  # noqa: E402

CREDENTIALS = None  # (user, password) when AUTH PLAIN is required


class Channel(smtpd.SMTPChannel):
    authenticated = None

    def push(self, msg):
        # The base class ends its EHLO answer with "250 HELP": announce AUTH PLAIN before it.
        if CREDENTIALS and msg == "250 HELP" and self.extended_smtp:
            super().push("250-AUTH PLAIN")
        super().push(msg)

    def smtp_AUTH(self, arg):
        if not CREDENTIALS:
            self.push("502 5.5.1 AUTH not offered")
            return
        mechanism, _, initial = (arg or "").partition(" ")
        if mechanism.upper() != "PLAIN" or not initial:
            self.push("504 5.5.4 only AUTH PLAIN with an initial response")
            return
        try:
            _, user, password = base64.b64decode(initial).decode().split("\0")
        except ValueError:
            self.push("501 5.5.2 malformed AUTH PLAIN")
            return
        if (user, password) != CREDENTIALS:
            self.push("535 5.7.8 authentication failed")
            return
        self.authenticated = user
        self.push("235 2.7.0 authenticated")

    def smtp_MAIL(self, arg):
        if CREDENTIALS and not self.authenticated:
            self.push("530 5.7.0 authentication required")
            return
        self.smtp_server.sender_auth = self.authenticated or "none"
        super().smtp_MAIL(arg)


class Sink(smtpd.SMTPServer):
    channel_class = Channel

    def __init__(self, address, directory):
        super().__init__(address, None, decode_data=False)
        self.directory = directory
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])
        self.sender_auth = "none"  # of the transaction being received (one client at a time)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.count += 1
        final = os.path.join(self.directory, f"{self.count}.eml")
        temporary = os.path.join(self.directory, f".{self.count}.tmp")
        user = self.sender_auth
        with open(temporary, "wb") as out:
            out.write(f"X-Sink-Mail-From: {mailfrom}\r\n".encode())
            out.write(f"X-Sink-Rcpt-To: {' '.join(rcpttos)}\r\n".encode())
            out.write(f"X-Sink-Auth: {user}\r\n".encode())
            out.write(data)
        os.rename(temporary, final)
        print(f"smtp-sink: saved {final} from {mailfrom} to {' '.join(rcpttos)} (auth: {user})", flush=True)


def main():
    global CREDENTIALS
    host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if len(sys.argv) == 6:
        CREDENTIALS = (sys.argv[4], sys.argv[5])
    os.makedirs(directory, exist_ok=True)
    Sink((host, port), directory)
    print(f"smtp-sink: listening on {host}:{port}, saving into {directory}"
          f"{', AUTH PLAIN required' if CREDENTIALS else ''}", flush=True)
    asyncore.loop()


if __name__ == "__main__":
    main()
