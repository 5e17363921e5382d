#!/usr/bin/env python3
"""The HTTP client of ci/systemd-stage/serve_checks.sh, run inside the container (which has no curl).
Every mode prints one JSON object.

    serve_client.py first URL                 # one GET; its status, body and wall time
    serve_client.py score URL                 # one-row POST URL/invocations; its status and body
    serve_client.py load URL SECONDS WORKERS  # one-row POST /invocations, a new connection each, for SECONDS
    serve_client.py versioned-load URL SECONDS WORKERS LOG
                                              # two-row POSTs as load does, until LOG.stop exists (at most
                                              # SECONDS); every answer's window and versions to LOG
    serve_client.py judge LOG TIMELINE LAG    # LOG's answers against the champion's TIMELINE (see judge)
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
# A second, different session: a two-row request whose rows name two versions would be a mixed answer.
ROW2 = dict(ROW, ProductRelated=3, ProductRelated_Duration=41.0, PageValues=0, Month="May", VisitorType="New_Visitor")


def request(url, method="GET", body=None, timeout=30, extra=None):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Connection": "close", **(extra or {})}
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


def versioned_load(url, seconds, workers, log):
    """Two-row POSTs, a new connection each, from WORKERS threads until the file LOG.stop exists
    (SECONDS at most: a hang guard). Writes LOG: one JSON
    array per answer, [start, end, status, versions], wall-clock seconds (the shell that moves the
    alias stamps its commands with the same clock), versions the model_version of each row (or the
    error). Prints the totals."""
    body = json.dumps({"dataframe_records": [ROW, ROW2]}).encode()
    answers = []
    deadline = time.monotonic() + seconds
    stop = log + ".stop"

    def worker():
        mine = []
        while time.monotonic() < deadline and not os.path.exists(stop):
            started = time.time()
            try:
                status, answer = request(url, "POST", body)
                if status == 200:
                    versions = [row["model_version"] for row in json.loads(answer)["predictions"]]
                else:
                    versions = f"HTTP {status}: {answer[:120]!r}"
            except Exception as error:
                status, versions = 0, repr(error)
            mine.append([started, time.time(), status, versions])
        answers.extend(mine)  # list.extend is atomic under the GIL

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers.sort()
    with open(log, "w") as handle:
        for answer in answers:
            handle.write(json.dumps(answer) + "\n")
    return {"requests": len(answers), "failed": sum(1 for a in answers if a[2] != 200)}


def judge(log, timeline, allowed_lag):
    """Judges versioned-load's LOG against TIMELINE: a first line `initial VERSION` (the champion
    before the load), then one line per alias change, `START END VERSION`: the command that moved
    the alias ran from START to END (wall clock) and left VERSION champion. The change committed
    somewhere in between, so VERSION may have been champion from START until the END of the next
    change. An answer is stale unless its version may have been champion at some moment of
    [request start - LAG, request end] (the server polls the alias: it may answer with the old
    model for up to LAG after a change). Each change's lag: from its END (the command exits right
    after its commit) to the end of the first answer with its VERSION among requests that started
    after START; also reported from its START, which adds the command's own start-up (process,
    store open): that part is the CLI's speed, not how fast a promotion reaches the endpoint, and
    on a slower machine would alone exceed a second."""
    answers = [json.loads(line) for line in open(log) if line.strip()]
    changes = []
    initial = None
    for line in open(timeline):
        fields = line.split()
        if fields and fields[0] == "initial":
            initial = int(fields[1])
        elif fields:
            changes.append((float(fields[0]), float(fields[1]), int(fields[2])))
    # Periods in which a version may have been champion: (from, until, version).
    periods = []
    starts = [float("-inf")] + [start for start, _, _ in changes]
    ends = [end for _, end, _ in changes] + [float("inf")]
    versions = [initial] + [version for _, _, version in changes]
    for begin, until, version in zip(starts, ends, versions):
        periods.append((begin, until, version))

    failed, mixed, stale, counts = [], [], [], {}
    for started, ended, status, named in answers:
        if status != 200:
            failed.append(named)
            continue
        if len(named) != 2 or named[0] != named[1]:
            mixed.append(named)
            continue
        version = named[0]
        counts[str(version)] = counts.get(str(version), 0) + 1
        if not any(v == version and begin <= ended and until >= started - allowed_lag for begin, until, v in periods):
            stale.append([round(started, 3), round(ended, 3), version])
    lags, lags_after_end = [], []
    for start, end, version in changes:
        first = min((ended for started, ended, status, named in answers
                     if status == 200 and started >= start and named and named[0] == version), default=None)
        lags.append(None if first is None else round(first - start, 3))
        lags_after_end.append(None if first is None else round(first - end, 3))
    measured = [lag for lag in lags_after_end if lag is not None]
    return {
        "requests": len(answers), "failed": len(failed), "errors": failed[:5],
        "mixed": len(mixed), "mixed_examples": mixed[:5], "stale": len(stale), "stale_examples": stale[:5],
        "versions": counts, "changes": len(changes), "unseen_changes": lags.count(None),
        "lags_from_command_start": lags, "lags": lags_after_end,
        "max_lag": max(measured) if measured else None,
        "command_seconds": [round(end - start, 3) for start, end, _ in changes],
        "slowest": round(max((ended - started for started, ended, _, _ in answers), default=0), 3),
    }


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


def rollout(url, visitors):
    """One request per visitor (X-Session-Key visitor-N), then every outcome in one feedback call."""
    versions, outcomes = {}, []
    for n in range(visitors):
        status, body = request(url + "/invocations", "POST", json.dumps({"dataframe_records": [ROW if n % 2 else ROW2]}).encode(),
                               extra={"X-Session-Key": f"visitor-{n}"})
        if status != 200:
            return {"status": status, "body": body.decode(errors="replace")}
        answer = json.loads(body)["predictions"][0]
        versions[str(answer["model_version"])] = versions.get(str(answer["model_version"]), 0) + 1
        outcomes.append({"prediction_id": answer["prediction_id"], "outcome": n % 2 == 0})
    status, body = request(url + "/v2/feedback", "POST", json.dumps({"outcomes": outcomes}).encode())
    again, _ = request(url + "/v2/feedback", "POST", json.dumps({"outcomes": outcomes[:3]}).encode())
    return {"versions": versions, "feedback_status": status, "feedback": json.loads(body or b"null"), "resent_status": again}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "first":
        print(json.dumps(first(sys.argv[2])))
    elif mode == "score":
        status, body = request(sys.argv[2] + "/invocations", "POST", json.dumps({"dataframe_records": [ROW]}).encode())
        print(json.dumps({"status": status, "body": json.loads(body or b"null")}))
    elif mode == "load":
        print(json.dumps(load(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))))
    elif mode == "versioned-load":
        print(json.dumps(versioned_load(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])))
    elif mode == "judge":
        print(json.dumps(judge(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
    elif mode == "rollout":
        print(json.dumps(rollout(sys.argv[2], int(sys.argv[3]))))
    elif mode == "sockets":
        print(json.dumps(sockets(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        sys.exit(f"unknown mode {mode}")
