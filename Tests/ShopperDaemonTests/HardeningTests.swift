import Foundation
import Testing
import ShopperDaemon
import ShopperTestSupport

/// The unit's sandbox, exercised on the real daemon parts where it can be outside systemd
/// (systemd is not PID 1 here, so the unit itself cannot be started):
/// - identity and privileges (`User=`, `NoNewPrivileges=`, `CapabilityBoundingSet=`,
///   `AmbientCapabilities=`) with `setpriv`, and private network, IPC and host name namespaces
///   (`PrivateNetwork=`, `PrivateIPC=`, `ProtectHostname=`) with `unshare`;
/// - `SystemCallFilter=` and `RestrictAddressFamilies=`: every system call (and every socket
///   family) a full lifecycle makes, traced with `strace`, must be allowed by the unit's filter
///   as `systemd-analyze syscall-filter` expands it.
@Suite struct HardeningTests {
    @Test func theDaemonWorksAsAnUnprivilegedUserInPrivateNamespaces() async throws {
        try await Journald.ensureRunning()
        let inbox = try TemporaryDirectory("inbox")
        chmod(inbox.path, 0o777)  // owned by root (the test); the daemon runs as nobody
        let socket = try NotifySocket()
        let sandbox = [
            "/usr/bin/unshare", "--net", "--ipc", "--uts", "--",
            "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
            "--bounding-set=-all", "--inh-caps=-all", "--",
        ]
        let probe = try ProbeProcess(
            arguments: ["--inbox", inbox.path, "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"], wrapper: sandbox)
        let ready = try #require(await socket.waitFor { $0 == "READY=1" }, "no READY=1: \(probe.stderrLines)")
        try FileOps.deliver("work 0", as: "sandboxed.csv", in: inbox.path)
        #expect(await probe.waitForLine("done \("sandboxed.csv".hex)"))
        #expect(await eventually { socket.assignments(from: ready).contains("WATCHDOG=1") })
        #expect(await eventually { socket.assignments(from: ready).contains("STATUS=idle · no champion yet · 1 batch") })
        // The journal is reachable from the private network namespace (an AF_UNIX path socket).
        let entries = try await Journald.waitForEntries(matching: [
            "MESSAGE_ID=\(DaemonEventKind.batchScored.messageID.hex)", "_PID=\(probe.pid)",
        ])
        #expect(entries.first?["_UID"] as? String == "65534")
        #expect(entries.first?["_CAP_EFFECTIVE"] as? String == "0")
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
    }

    @Test func everySystemCallOfAFullLifecycleIsAllowedByTheUnitsFilter() async throws {
        let trace = try TemporaryDirectory("trace")
        let inbox = try TemporaryDirectory("inbox")
        let config = trace.file("probe.conf")
        try FileOps.write(config, "champion=v1\n")
        let socket = try NotifySocket()
        let probe = try ProbeProcess(
            arguments: ["--inbox", inbox.path, "--log-target", "journal", "--config", config, "--stuck-limit-ms", "300", "--stop-grace-ms", "200"],
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"],
            wrapper: ["/usr/bin/strace", "-f", "-qq", "-o", trace.file("strace")])
        try await Journald.ensureRunning()
        // strace is the direct child; signals go to the traced daemon, whose PID it prints.
        #expect(await eventually { probe.stdoutLines.contains { $0.hasPrefix("pid ") } })
        let pid = try #require(probe.stdoutLines.first { $0.hasPrefix("pid ") }.flatMap { Int32($0.dropFirst(4)) })
        let ready = try #require(await socket.waitFor { $0 == "READY=1" })
        try FileOps.deliver("work 10", as: "a.csv", in: inbox.path)
        try FileOps.deliver("drift", as: "b.csv", in: inbox.path)
        #expect(await probe.waitForLine("done \("b.csv".hex)"))
        try FileOps.deliver("hang", as: "c.csv", in: inbox.path)
        #expect(await socket.waitFor(from: ready) { $0.hasPrefix("STATUS=STUCK") } != nil)
        kill(pid, SIGHUP)
        #expect(await socket.waitFor(from: ready) { $0 == "RELOADING=1" } != nil)
        kill(pid, SIGTERM)
        #expect(await probe.exitStatus() == 0)

        let traced = try String(contentsOfFile: trace.file("strace"), encoding: .utf8)
        let calls = try Set(traced.split(separator: "\n").compactMap { line -> String? in
            let match = try #/^\d+\s+([a-z_0-9]+)\(/#.firstMatch(in: line)
            return match.map { String($0.1) }
        })
        #expect(calls.contains("inotify_add_watch") && calls.contains("sendmsg"), "the trace must cover the daemon")
        let allowed = try await Self.allowedSystemCalls()
        #expect(calls.subtracting(allowed).isEmpty, "denied by the unit's SystemCallFilter: \(calls.subtracting(allowed).sorted())")

        let families = try Set(traced.split(separator: "\n").compactMap { line -> String? in
            try #/\ssocket\((AF_[A-Z0-9]+)/#.firstMatch(in: line).map { String($0.1) }
        })
        #expect(families == ["AF_UNIX"], "RestrictAddressFamilies=AF_UNIX: \(families)")
    }

    /// `ExecReload=` runs `shopperd reload` inside the same sandbox: every system call it makes
    /// (signalling the daemon, polling the verdict file) must pass the unit's filter too.
    @Test func theReloadCommandStaysInsideTheUnitsFilter() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let runtime = try TemporaryDirectory("runtime")
        let trace = try TemporaryDirectory("trace")
        try FileOps.write(trace.file("probe.conf"), "champion=v1\n")
        let socket = try NotifySocket()
        let probe = try ProbeProcess(arguments: ["--inbox", inbox.path, "--log-target", "stderr", "--config", trace.file("probe.conf")],
                                     environment: ["NOTIFY_SOCKET": socket.path, "RUNTIME_DIRECTORY": runtime.path])
        _ = try #require(await socket.waitFor { $0 == "READY=1" })
        let reload = try await Command.run("/usr/bin/strace", [
            "-f", "-qq", "-o", trace.file("strace"), "--", "/usr/bin/env", "RUNTIME_DIRECTORY=\(runtime.path)",
            ProbeProcess.shopperdPath, "reload", "--pid", String(probe.pid),
        ])
        #expect(reload.status == 0, "\(reload.output)")
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
        let traced = try String(contentsOfFile: trace.file("strace"), encoding: .utf8)
        let calls = try Set(traced.split(separator: "\n").compactMap { line -> String? in
            try #/^\d+\s+([a-z_0-9]+)\(/#.firstMatch(in: line).map { String($0.1) }
        })
        #expect(calls.contains("kill"), "the trace must cover the signal: \(calls.sorted())")
        let allowed = try await Self.allowedSystemCalls()
        #expect(calls.subtracting(allowed).isEmpty, "denied by the unit's SystemCallFilter: \(calls.subtracting(allowed).sorted())")
    }

    /// The system calls the unit's `SystemCallFilter=` lines allow: the first (allow) list minus
    /// every `~` (deny) list, groups expanded with `systemd-analyze syscall-filter`.
    static func allowedSystemCalls() async throws -> Set<String> {
        let listing = try await Command.run("/usr/bin/systemd-analyze", ["syscall-filter", "--no-pager"])
        var groups: [String: [String]] = [:]
        var current: String?
        for line in listing.stdout.split(separator: "\n") {
            if line.hasPrefix("@") {
                current = String(line)
                groups[String(line)] = []
            } else if let group = current {
                let item = line.trimmingCharacters(in: .whitespaces)
                if !item.isEmpty && !item.hasPrefix("#") { groups[group, default: []].append(item) }
            }
        }
        func expand(_ item: String) -> Set<String> {
            guard item.hasPrefix("@") else { return [item] }
            return (groups[item] ?? []).reduce(into: Set<String>()) { $0.formUnion(expand($1)) }
        }
        var allowed = Set<String>()
        for (index, value) in try UnitFileTests.settings("SystemCallFilter").enumerated() {
            let deny = value.hasPrefix("~")
            let items = value.dropFirst(deny ? 1 : 0).split(separator: " ").map(String.init)
            let set = items.reduce(into: Set<String>()) { $0.formUnion(expand($1)) }
            if deny { allowed.subtract(set) } else if index == 0 { allowed = set } else { allowed.formUnion(set) }
        }
        guard !allowed.isEmpty else { throw TestFailure("no SystemCallFilter= allow list in the unit") }
        return allowed
    }
}
