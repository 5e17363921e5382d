// `shopperd-bench daemon [--files N] [--rows R] [--retrain-files M] [--binary PATH] [--data FILE] [--samples CSV] [--set KEY=VALUE]… [--keep]`
//
// The daemon as an operator runs it: starts the real `shopperd run` (release build, default
// settings) on fresh directories, bootstrapped from every Feb–Jul row of the bundled data, then
//   1. renames N (default 200) stationary R-row (default 1,000) unlabelled files into the inbox,
//      one at a time, and measures rename → `NAME.predictions.csv` appearing in the outbox (seen by
//      inotify, IN_MOVED_TO: the outbox writer renames each file into place);
//   2. the same for M (default 30) labelled Nov/Dec files, each of which drifts and retrains;
//   3. the daemon's RSS (VmRSS of /proc/PID/status) idle after start-up and after each phase,
//      and its peak (VmHWM).
// Each file's report is read back to check the decision (stationary: no retrain; drifted: a retrain
// every time). `--set KEY=VALUE` is handed to `shopperd run` (e.g. `retrain.window-rows=10000`, to
// see how the training window drives retrain time). `--samples CSV` writes one line per file (latency, decision, the report's stage
// timings, challenger training rows, the daemon's RSS right after). Build the daemon first:
// `swift build -c release` (or pass `--binary PATH`).
import Foundation
import ShopperInbox
import ShopperML
#if canImport(Glibc)
import Glibc
#endif

struct DaemonBench {
    var files = 200
    var rows = 1_000
    var retrainFiles = 30
    var binary: String?
    var dataPath = "data/online_shoppers_intention.csv"
    var samplesPath: String?
    var daemonSettings: [String] = []
    var keep = false

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = "shopperd-bench daemon: " + text }
    }

    /// One measured file.
    struct Sample {
        var name: String
        var latency: Double  // seconds, rename → predictions file
        var decision: String
        var daemonTotalMS: Double  // the report's timings_ms.total (read → commit)
        var retrainMS: Double
        var trainingRows: Int?
        var rssKB: Int
        var anonymousKB: Int
        /// The report's timings_ms per stage.
        var stages: [String: Double]
    }

    func run() throws {
        let daemonPath = binary ?? (Self.ownDirectory() + "/shopperd")
        guard FileManager.default.isExecutableFile(atPath: daemonPath) else {
            throw Failure("no shopperd at \(daemonPath): build it first (swift build -c release) or pass --binary PATH")
        }
        let data = try BenchData(path: dataPath)
        guard rows <= data.springSummer.count, rows <= data.holiday.count else {
            throw Failure("--rows must be at most \(min(data.springSummer.count, data.holiday.count))")
        }

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-bench-daemon-\(getpid())").path
        let inbox = root + "/inbox", outbox = root + "/outbox", state = root + "/state"
        for directory in [inbox, outbox] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        defer { if !keep { try? FileManager.default.removeItem(atPath: root) } }
        let bootstrap = root + "/bootstrap.csv"
        try data.csv(data.springSummer, labelled: true).write(toFile: bootstrap, atomically: false, encoding: .utf8)

        print("shopperd-bench daemon — \(daemonPath)")
        print("  \(ProcessInfo.processInfo.processorCount) cores visible; bootstrap: \(data.springSummer.count) labelled Feb–Jul rows; "
            + (daemonSettings.isEmpty ? "default settings" : daemonSettings.joined(separator: " ")))
        let watcher = try OutboxWatcher(directory: outbox)
        let log = root + "/daemon.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: daemonPath)
        daemon.arguments = ["run", "--inbox", inbox, "--outbox", outbox, "--state", state, "--bootstrap", bootstrap, "--log-target", "stderr"] + daemonSettings
        daemon.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SHOPPERD_") && $0.key != "NOTIFY_SOCKET" && $0.key != "WATCHDOG_USEC" }
        daemon.standardInput = FileHandle.nullDevice
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle(forWritingAtPath: log)
        let launched = ContinuousClock.now
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let pid = daemon.processIdentifier

        // Ready: the first champion is trained and the inbox watched.
        while !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(#""SHOPPERD_EVENT":"service-started""#) {
            guard daemon.isRunning else { throw Failure("shopperd exited during start-up:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
            usleep(5_000)
        }
        let startup = (ContinuousClock.now - launched).seconds
        print(String(format: "  start-up (bootstrap training included) to READY: %.2f s", startup))
        let idleAfterStart = Self.settledRSS(pid)

        var generator = Xoshiro256(seed: 20_240_501)
        let stationary = try (0..<files).map { index in
            try measure(name: String(format: "stationary-%04d", index), contents: data.csv(data.sample(data.springSummer, rows, &generator), labelled: false),
                        inbox: inbox, outbox: outbox, watcher: watcher, daemon: daemon)
        }
        let idleAfterScoring = Self.settledRSS(pid)
        let retraining = try (0..<retrainFiles).map { index in
            try measure(name: String(format: "holiday-%04d", index), contents: data.csv(data.sample(data.holiday, rows, &generator), labelled: true),
                        inbox: inbox, outbox: outbox, watcher: watcher, daemon: daemon)
        }
        let idleAfterRetraining = Self.settledRSS(pid)
        let peak = Self.memory(pid, "VmHWM") ?? 0
        if let samplesPath {
            var lines = ["file,latency_ms,decision,daemon_total_ms,retrain_ms,training_rows,rss_kb,rss_anon_kb"]
            for sample in stationary + retraining {
                lines.append(String(format: "%@,%.3f,%@,%.3f,%.3f,%@,%d,%d", sample.name, sample.latency * 1_000, sample.decision,
                                    sample.daemonTotalMS, sample.retrainMS, sample.trainingRows.map(String.init) ?? "", sample.rssKB, sample.anonymousKB))
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: samplesPath, atomically: true, encoding: .utf8)
        }

        kill(pid, SIGTERM)
        daemon.waitUntilExit()
        let status = daemon.terminationReason == .exit ? "exit status \(daemon.terminationStatus)" : "killed by signal \(daemon.terminationStatus)"

        print("")
        Self.printLatencies("no retrain", stationary, files: files, rows: rows)
        let retrained = retraining.filter { $0.decision == "retrain-promoted" || $0.decision == "retrain-kept" }
        if !retrained.isEmpty {
            // Only the files that did retrain count here (with a small window a drifted batch may
            // stop drifting once the window holds its kind of rows).
            Self.printLatencies("with retrain", retrained, files: retrained.count, rows: rows)
            let promoted = retraining.filter { $0.decision == "retrain-promoted" }.count
            let training = retraining.compactMap(\.trainingRows)
            print("    \(retrained.count) of \(retraining.count) retrained (\(promoted) promoted)"
                + (training.isEmpty ? "" : "; challenger training rows \(training.min()!)…\(training.max()!)"))
            print(String(format: "    retrain stage alone (report timings_ms.retrain): p50 %.0f ms, max %.0f ms",
                         Self.percentile(retrained.map(\.retrainMS), 0.5), retrained.map(\.retrainMS).max() ?? 0))
        }
        print("")
        print("  daemon memory, idle (VmRSS = RssAnon + RssFile + RssShmem, kB):")
        for (label, memory) in [("after start-up", idleAfterStart), ("after the scoring run", idleAfterScoring),
                                ("after the retrain run", idleAfterRetraining)] {
            print("    \(label): \(memory.rss) = \(memory.anonymous) anonymous + \(memory.file) file-backed (code and libraries, shared)")
        }
        print("    peak (VmHWM): \(peak)")
        print("  stopped with SIGTERM: \(status)")
        print(String(format: "  aims: p50 ≤ 20 ms without retrain (%@), ≤ 2 s with retrain (%@), idle RSS ≤ 30 MB (%@)",
                     Self.percentile(stationary.map(\.latency), 0.5) <= 0.020 ? "met" : "MISSED",
                     retrained.isEmpty ? "not run" : (Self.percentile(retrained.map(\.latency), 0.5) <= 2 ? "met" : "MISSED"),
                     max(idleAfterStart.rss, idleAfterScoring.rss, idleAfterRetraining.rss) <= 30 * 1024 ? "met" : "MISSED"))
        if stationary.contains(where: { $0.decision != "score" && $0.decision != "score-awaiting-labels" }) {
            print("  WARNING: some stationary files retrained: \(Set(stationary.map(\.decision)).sorted())")
        }
        if retrained.count != retraining.count {
            print("  WARNING: \(retraining.count - retrained.count) drifted files did not retrain: \(Set(retraining.map(\.decision)).sorted())")
        }
        if keep { print("  kept \(root)") }
    }

    /// Renames one file into the inbox and waits for its outcome; the latency is rename →
    /// predictions file. Returns once the daemon has finished with it (report written, input
    /// archived), so the next file finds it idle.
    func measure(name: String, contents: String, inbox: String, outbox: String, watcher: OutboxWatcher, daemon: Process) throws -> Sample {
        let hidden = inbox + "/." + name + ".csv"
        try contents.write(toFile: hidden, atomically: false, encoding: .utf8)
        let start = ContinuousClock.now
        guard rename(hidden, inbox + "/" + name + ".csv") == 0 else { throw Failure("rename into the inbox: errno \(errno)") }
        guard let appeared = watcher.wait(for: name + ".predictions.csv", timeout: 600, while: { daemon.isRunning }) else {
            throw Failure("no \(name).predictions.csv (daemon running: \(daemon.isRunning))")
        }
        guard watcher.wait(for: name + ".report.json", timeout: 600, while: { daemon.isRunning }) != nil else {
            throw Failure("no \(name).report.json")
        }
        while !(((try? FileManager.default.contentsOfDirectory(atPath: InboxLayout(inbox: inbox).claimed)) ?? ["?"]).isEmpty) {
            usleep(200)
        }
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: outbox + "/" + name + ".report.json"))) as? [String: Any] ?? [:]
        let timings = report["timings_ms"] as? [String: Any] ?? [:]
        let evaluation = (report["models"] as? [String: Any])?["evaluation"] as? [String: Any]
        return Sample(name: name, latency: (appeared - start).seconds, decision: report["decision"] as? String ?? "?",
                      daemonTotalMS: timings["total"] as? Double ?? 0, retrainMS: timings["retrain"] as? Double ?? 0,
                      trainingRows: evaluation?["trainingRows"] as? Int ?? evaluation?["training_rows"] as? Int,
                      rssKB: Self.memory(daemon.processIdentifier, "VmRSS") ?? 0,
                      anonymousKB: Self.memory(daemon.processIdentifier, "RssAnon") ?? 0,
                      stages: timings.compactMapValues { $0 as? Double })
    }

    static func printLatencies(_ label: String, _ samples: [Sample], files: Int, rows: Int) {
        let latencies = samples.map(\.latency)
        print(String(format: "  rename → predictions, %@ (%d files × %d rows): p50 %@, p95 %@, max %@",
                     label, files, rows, milliseconds(percentile(latencies, 0.5)), milliseconds(percentile(latencies, 0.95)),
                     milliseconds(latencies.max() ?? 0)))
        let inside = samples.map(\.daemonTotalMS)
        print(String(format: "    of which the daemon's own read → commit (report timings_ms.total): p50 %.1f ms, p95 %.1f ms",
                     percentile(inside, 0.5), percentile(inside, 0.95)))
        let stages = ["read", "validate", "drift", "retrain", "score", "commit"].map { stage in
            String(format: "%@ %.1f", stage, percentile(samples.map { $0.stages[stage] ?? 0 }, 0.5))
        }
        print("    stage medians (ms): \(stages.joined(separator: ", "))")
        let decisions = Dictionary(grouping: samples, by: \.decision).map { "\($0.key) \($0.value.count)" }.sorted()
        print("    decisions: \(decisions.joined(separator: ", "))")
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1f ms", seconds * 1_000) : String(format: "%.2f s", seconds)
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }

    struct Resident {
        var rss: Int
        var anonymous: Int
        var file: Int
    }

    /// Resident memory after the daemon has been idle for two seconds.
    static func settledRSS(_ pid: Int32) -> Resident {
        sleep(2)
        return Resident(rss: memory(pid, "VmRSS") ?? 0, anonymous: memory(pid, "RssAnon") ?? 0, file: memory(pid, "RssFile") ?? 0)
    }

    /// A `kB` field of /proc/PID/status.
    static func memory(_ pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// The directory this executable is in (the build products directory, where `shopperd` is).
    static func ownDirectory() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }
}

/// The bundled data as lines, with the row pools the benchmark samples from.
struct BenchData {
    let header: String
    let rows: [String]
    /// Feb–Jul rows (the bootstrap's months) and Nov/Dec rows (which drift against them).
    let springSummer: [Int]
    let holiday: [Int]

    init(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.first, let month = header.split(separator: ",").firstIndex(of: "Month") else {
            throw DaemonBench.Failure("\(path) is not the bundled data (no Month column)")
        }
        self.header = header
        rows = Array(lines.dropFirst())
        let months = rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[month] }
        springSummer = months.indices.filter { ["Feb", "Mar", "May", "June", "Jul"].contains(months[$0]) }
        holiday = months.indices.filter { ["Nov", "Dec"].contains(months[$0]) }
    }

    /// `count` distinct rows of `pool`, in pool order (a seeded partial shuffle).
    func sample(_ pool: [Int], _ count: Int, _ generator: inout Xoshiro256) -> [Int] {
        var indices = pool
        for i in 0..<count { indices.swapAt(i, i + generator.below(indices.count - i)) }
        return indices.prefix(count).sorted()
    }

    func csv(_ indices: [Int], labelled: Bool) -> String {
        func cut(_ line: String) -> Substring { labelled ? Substring(line) : line[..<line.lastIndex(of: ",")!] }
        var text = String(cut(header)) + "\n"
        for index in indices { text += cut(rows[index]) + "\n" }
        return text
    }
}

/// Watches a directory for entries moved into it (IN_MOVED_TO) with inotify, remembering every
/// name seen, so the benchmark learns the moment a file appears without polling.
final class OutboxWatcher {
    private let fd: Int32
    private var seen: [String: ContinuousClock.Instant] = [:]

    init(directory: String) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0, inotify_add_watch(fd, directory, UInt32(IN_MOVED_TO)) >= 0 else {
            throw DaemonBench.Failure("inotify on \(directory): errno \(errno)")
        }
    }

    /// When `name` was moved in (now or earlier); nil after `timeout` seconds or once `alive`
    /// turns false.
    func wait(for name: String, timeout: Double, while alive: () -> Bool) -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1_000))
        while seen[name] == nil {
            guard ContinuousClock.now < deadline, alive() else { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let now = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let count = read(fd, &buffer, buffer.count)
            var offset = 0
            while count > 0 && offset + 16 <= count {
                let length = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8 | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                seen[String(decoding: nameBytes, as: UTF8.self)] = now
                offset += 16 + length
            }
        }
        return seen[name]
    }

    deinit { close(fd) }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
