#!/usr/bin/env python3
"""The HTTP client of ci/systemd-stage/serve_checks.sh, run inside the container (which has no curl).
Every mode prints one JSON object.

    serve_client.py first URL                 # one GET; its status, body and wall time
    serve_client.py score URL                 # one-row POST URL/invocations; its status and body
    serve_client.py load URL SECONDS WORKERS  # one-row POST /invocations, a new connection each, for SECONDS
    serve_client.py sockets PID PORT          # who holds the listening socket on 127.0.0.1:PORT
"""
import json
import os
import sys
import threading
import time
import http.client
import urllib.parse

ROW = {"Administrative": 0, "Administrative_Duration": 0, "Informational": 0, "Informational_Duration": 0,
       "ProductRelated": 12, "ProductRelated_Duration": 340.5, "BounceRates": 0.01, "ExitRates": 0.03,
       "PageValues": 18.2, "SpecialDay": 0, "Month": "Nov", "OperatingSystems": 2, "Browser": 2, "Region": 1,
       "TrafficType": 2, "VisitorType": "Returning_Visitor", "Weekend": False}


def request(url, method="GET", body=None, timeout=30):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, parts.path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def first(url):
    started = time.monotonic()
    try:
        status, body = request(url)
        result = {"status": status, "body": json.loads(body or b"null")}
    except Exception as error:  # reported, not raised: the check prints it
        result = {"status": 0, "error": repr(error)}
    result["seconds"] = round(time.monotonic() - started, 4)
    return result


def load(url, seconds, workers):
    body = json.dumps({"dataframe_records": [ROW]}).encode()
    lock = threading.Lock()
    totals = {"requests": 0, "failed": 0, "errors": [], "versions": {}, "slowest": 0.0}
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status, answer = request(url, "POST", body)
                version = json.loads(answer)["predictions"][0]["model_version"] if status == 200 else None
                problem = None if status == 200 else f"HTTP {status}: {answer[:120]!r}"
            except Exception as error:
                version, problem = None, repr(error)
            elapsed = time.monotonic() - started
            with lock:
                totals["requests"] += 1
                totals["slowest"] = max(totals["slowest"], round(elapsed, 3))
                if problem:
                    totals["failed"] += 1
                    if len(totals["errors"]) < 5:
                        totals["errors"].append(problem)
                else:
                    totals["versions"][str(version)] = totals["versions"].get(str(version), 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return totals


def listening_inodes(table, port):
    """Inodes of the TCP sockets in LISTEN state (0A) on PORT in a /proc/net/tcp table."""
    inodes = []
    try:
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                    inodes.append(fields[9])
    except FileNotFoundError:
        pass
    return inodes


def all_listening(table):
    count = 0
    with open(table) as lines:
        next(lines)
        count = sum(1 for line in lines if line.split()[3] == "0A")
    return count


def socket_inodes(pid):
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def sockets(pid, port):
    listeners = listening_inodes("/proc/1/net/tcp", port) + listening_inodes("/proc/1/net/tcp6", port)
    return {
        "listeners": listeners,
        "held_by_pid1": [inode for inode in listeners if inode in socket_inodes(1)],
        "held_by_service": [inode for inode in listeners if inode in socket_inodes(pid)],
        # The service's own network namespace (PrivateNetwork=): listening sockets bound there.
        "listening_in_service_netns": all_listening(f"/proc/{pid}/net/tcp") + all_listening(f"/proc/{pid}/net/tcp6"),
        "same_netns_as_pid1": os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/1/ns/net"),
    }


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "first":
        print(json.dumps(first(sys.argv[2])))
    elif mode == "score":
        status, body = request(sys.argv[2] + "/invocations", "POST", json.dumps({"dataframe_records": [ROW]}).encode())
        print(json.dumps({"status": status, "body": json.loads(body or b"null")}))
    elif mode == "load":
        print(json.dumps(load(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))))
    elif mode == "sockets":
        print(json.dumps(sockets(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        sys.exit(f"unknown mode {mode}")
