#!/usr/bin/env python3
"""Parses one raw e-mail (the file named on the command line) with Python's `email` package and
prints what the notification tests check, as JSON: the header fields (names as sent, values
decoded from RFC 2047), the MIME tree (content types, charsets, attachment file names) and the
decoded text and HTML parts. A message Python cannot parse as MIME fails the test."""
import email
import email.header
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)
defects = [str(d) for d in message.defects]


def walk(part):
    node = {"type": part.get_content_type(), "charset": part.get_content_charset(), "filename": part.get_filename(),
            "disposition": part.get_content_disposition(), "defects": [str(d) for d in part.defects]}
    if part.is_multipart():
        node["parts"] = [walk(p) for p in part.iter_parts()]
    return node


text = html = None
attachments = []
for part in message.walk():
    if part.is_multipart():
        continue
    if part.get_content_disposition() == "attachment":
        content = part.get_content()
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        attachments.append({"filename": part.get_filename(), "type": part.get_content_type(), "content": content})
    elif part.get_content_type() == "text/plain" and text is None:
        text = part.get_content()
    elif part.get_content_type() == "text/html" and html is None:
        html = part.get_content()

header_block = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
print(json.dumps({
    "headers": [[k, str(v)] for k, v in message.items()],
    "header_names": [k.lower() for k in message.keys()],
    "header_block_ascii": all(b < 128 for b in raw.split(b"\r\n\r\n", 1)[0]),
    "bare_lf_in_headers": "\n" in header_block.replace("\r\n", ""),
    "tree": walk(message),
    "text": text, "html": html, "attachments": attachments, "defects": defects,
}))
