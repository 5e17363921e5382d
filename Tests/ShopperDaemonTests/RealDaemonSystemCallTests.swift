import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

/// The unit's `SystemCallFilter=` and `RestrictAddressFamilies=` against the real `shopperd run`,
/// not the probe: SQLite in WAL mode, a bootstrap and a retrain training forests in task groups,
/// the outbox writer, a rejection, the `--on-event` hook (which runs inside the unit's filter too),
/// `malloc_trim` when idle, a reload and a stop. Every system call `strace -f` sees must be allowed.
/// The daemon runs as `nobody` (`strace -u`), as the unit's `User=` makes it: as root, SQLite would
/// also `fchown` its journal files to the database's owner, which the filter (rightly) denies.
@Suite struct RealDaemonSystemCallTests {
    @Test func everySystemCallOfTheRealDaemonIsAllowedByTheUnitsFilter() async throws {
        let built = ProbeProcess.buildDirectory + "/shopperd"
        guard FileManager.default.isExecutableFile(atPath: built) else {
            throw TestFailure("\(built) is missing: build with `swift build --build-tests`")
        }
        try await Journald.ensureRunning()
        let work = try TemporaryDirectory("real-daemon-syscalls")
        chmod(work.path, 0o777)
        // The daemon runs as `nobody`, who may not be able to enter the checkout (a clone under
        // /root or in a 0700 temporary directory): it runs a copy in the world-readable work
        // directory, and the test fails at once, saying why, when `nobody` still cannot start it.
        let shopperd = work.file("shopperd")
        try FileManager.default.copyItem(atPath: built, toPath: shopperd)
        chmod(shopperd, 0o755)
        let check = try await Command.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", shopperd, "--version"])
        guard check.status == 0 else {
            throw TestFailure("`nobody` cannot run a copy of the daemon (\(shopperd)): \(check.output.prefix(400))")
        }
        for directory in ["inbox", "outbox", "state"] {
            try FileManager.default.createDirectory(atPath: work.file(directory), withIntermediateDirectories: true)
            chmod(work.file(directory), 0o777)
        }
        // Bootstrap on every month but November; a labelled November batch drifts (Month first).
        let data = try String(contentsOfFile: Command.repositoryRoot + "/data/online_shoppers_intention.csv", encoding: .utf8)
        let lines = data.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let month = try #require(lines[0].split(separator: ",").firstIndex(of: "Month"))
        let rows = lines.dropFirst()
        let november = rows.filter { $0.split(separator: ",")[month] == "Nov" }
        let others = rows.filter { $0.split(separator: ",")[month] != "Nov" }
        try FileOps.write(work.file("bootstrap.csv"), ([lines[0]] + others).joined(separator: "\n") + "\n")
        let hook = work.file("hook.sh")
        try FileOps.write(hook, "#!/bin/sh\necho \"$1\" >> \(work.file("hook.log"))\n")
        try FileOps.write(work.file("hook.log"), "")
        chmod(work.file("hook.log"), 0o666)
        chmod(hook, 0o755)

        let socket = try NotifySocket()
        let trace = work.file("strace")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-qq", "-u", "nobody", "-o", trace, shopperd, "run",
            "--inbox", work.file("inbox"), "--outbox", work.file("outbox"), "--state", work.file("state"),
            "--log-target", "journal", "--bootstrap", work.file("bootstrap.csv"), "--on-event", hook,
            "--set", "training.grid=quick", "--set", "training.trees=20", "--set", "retrain.min-labelled-rows=100"]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socket.path
        environment["WATCHDOG_USEC"] = "2000000"
        environment["WATCHDOG_PID"] = nil
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let ready = try #require(await socket.waitFor(timeout: .seconds(180)) { $0 == "READY=1" }, "no READY=1")
        let pid = try #require(await Self.tracedDaemonPID(in: trace, tracer: process.processIdentifier))
        try FileOps.deliver(([lines[0]] + november.prefix(400)).joined(separator: "\n") + "\n", as: "november.csv", in: work.file("inbox"))
        #expect(await eventually(timeout: .seconds(180)) { FileManager.default.fileExists(atPath: work.file("outbox/november.report.json")) })
        let report = try String(contentsOfFile: work.file("outbox/november.report.json"), encoding: .utf8)
        #expect(report.contains("\"decision\" : \"retrain-"), "the November batch must retrain: \(report.prefix(300))")
        try FileOps.deliver(lines[0] + "\n" + "x,y\n", as: "broken.csv", in: work.file("inbox"))
        #expect(await eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: work.file("outbox/broken.rejected.json")) })
        #expect(await eventually(timeout: .seconds(30)) {
            ((try? String(contentsOfFile: work.file("hook.log"), encoding: .utf8)) ?? "").contains("rejection")
        })
        kill(pid, SIGHUP)
        #expect(await socket.waitFor(from: ready, timeout: .seconds(30)) { $0 == "RELOADING=1" } != nil)
        kill(pid, SIGTERM)
        #expect(await eventually(timeout: .seconds(60)) { !process.isRunning })
        #expect(process.terminationStatus == 0)

        let traced = try String(contentsOfFile: trace, encoding: .utf8)
        let calls = try Set(traced.split(separator: "\n").compactMap { line -> String? in
            try #/^\d+\s+([a-z_0-9]+)\(/#.firstMatch(in: line).map { String($0.1) }
        })
        #expect(calls.isSuperset(of: ["inotify_add_watch", "sendmsg", "pwrite64", "fdatasync", "rename", "execve"]),
                "the trace must cover the daemon, SQLite, the outbox and the hook: \(calls.sorted())")
        let allowed = try await HardeningTests.allowedSystemCalls()
        #expect(calls.subtracting(allowed).isEmpty, "denied by the unit's SystemCallFilter: \(calls.subtracting(allowed).sorted())")
        let families = try Set(traced.split(separator: "\n").compactMap { line -> String? in
            try #/\ssocket\((AF_[A-Z0-9]+)/#.firstMatch(in: line).map { String($0.1) }
        })
        #expect(families == ["AF_UNIX"], "RestrictAddressFamilies=AF_UNIX: \(families)")
    }

    /// strace's first traced process after itself is the daemon: the first pid in the trace.
    static func tracedDaemonPID(in trace: String, tracer: Int32) async -> Int32? {
        var pid: Int32?
        _ = await eventually(timeout: .seconds(10)) {
            let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
            pid = text.split(separator: "\n").first.flatMap { $0.split(separator: " ").first }.flatMap { Int32($0) }
            return pid != nil
        }
        return pid
    }
}
