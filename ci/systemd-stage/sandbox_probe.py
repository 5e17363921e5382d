#!/usr/bin/env python3
"""Run by a test drop-in as ExecStartPost= of shopperd.service, so it runs under exactly the
unit's sandbox (User=, namespaces, seccomp, RestrictAddressFamilies=, the unit's cgroup).
Prints one `sandbox-probe: NAME=RESULT` line per probe to the journal; never fails the unit.

    sandbox_probe.py confined   # ExecStartPost=   (the daemon's sandbox)
    sandbox_probe.py cgroup     # ExecStartPost=+  (no sandbox but the unit's cgroup: IPAddressDeny=)
"""
import errno
import mmap
import os
import resource
import socket
import sys


def report(name, result):
    print(f"sandbox-probe: {name}={result}", flush=True)


def outcome(action):
    try:
        action()
        return "allowed"
    except TimeoutError:
        return "timeout"  # a dropped packet: IPAddressDeny= drops TCP SYNs, it does not answer them
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))


def write_execute_mapping():
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC).close()


def inet_socket():
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


def blocked_call():
    """chroot(2) is in @privileged, which the unit's SystemCallFilter= denies. In a child: with
    SystemCallErrorNumber=EPERM it fails, with the error number reset it kills the caller."""
    pid = os.fork()
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            os.chroot("/")
            os._exit(0)
        except OSError as error:
            os._exit(100 + error.errno)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed-by-" + {31: "SIGSYS"}.get(os.WTERMSIG(status), str(os.WTERMSIG(status)))
    code = os.WEXITSTATUS(status)
    return "allowed" if code == 0 else errno.errorcode.get(code - 100, str(code))


def loopback_connection():
    """A TCP connection to a listener of our own on 127.0.0.1: nothing but the unit's
    IPAddressDeny= (BPF on its cgroup) can refuse it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.settimeout(5)
    try:
        client.connect(listener.getsockname())
    finally:
        client.close()
        listener.close()


mode = sys.argv[1] if len(sys.argv) > 1 else "confined"
try:
    if mode == "confined":
        report("uid", os.getuid())
        report("write-execute-mapping", outcome(write_execute_mapping))
        report("inet-socket", outcome(inet_socket))
        report("blocked-call", blocked_call())
        report("network-interfaces", ",".join(sorted(os.listdir("/sys/class/net"))))
    else:
        report("loopback-connection", outcome(loopback_connection))
except Exception as error:  # a probe must never fail the unit: the stage reads what is printed
    report("error", repr(error))
