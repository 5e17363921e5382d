// `shopperd-bench load [--files N] [--burst B] [--rows R] [--small-queue Q] [--binary PATH] [--data FILE] [--keep]`
//
// Many small files through the real daemon (release build, default settings), twice:
//   1. with the machine's inotify queue (fs.inotify.max_queued_events, normally 16384);
//   2. with a tiny queue (Q events, default 64), set just before the daemon starts and restored as
//      soon as it watches the inbox (an inotify instance keeps the limit it was created with), so
//      the kernel drops events (IN_Q_OVERFLOW) and the daemon must recover by listing the inbox.
//      Needs root (skipped otherwise, with a message); `--small-queue 0` skips it.
// Each run: N (default 10,000) distinct unlabelled R-row (default 3) files, written under hidden
// names, then renamed into the inbox B (default 1,000) at a time, back to back; the next burst
// follows once the previous one has all its outcomes. Figures: files/s and rows/s from the first
// rename to the last outcome, the daemon's RSS after each burst and its peak (VmHWM), the
// `inbox-overflow` events it logged, and a check that every file got exactly one outcome (one
// report, archived once, one `batch-scored` event, nothing left claimed).
import Foundation
import ShopperInbox
import ShopperML
#if canImport(Glibc)
import Glibc
#endif

struct LoadBench {
    var files = 10_000
    var burst = 1_000
    var rows = 3
    var smallQueue = 64
    var binary: String?
    var dataPath = "data/online_shoppers_intention.csv"
    var keep = false

    static let queueLimitPath = "/proc/sys/fs/inotify/max_queued_events"

    /// What one run measured.
    struct RunResult {
        var label: String
        var seconds: Double
        var peakKB: Int
        var rssAfterBurstKB: [Int]
        var overflows: Int
        var rescanClaimed: Int
        var problems: [String]
    }

    func run() throws {
        let daemonPath = binary ?? (DaemonBench.ownDirectory() + "/shopperd")
        guard FileManager.default.isExecutableFile(atPath: daemonPath) else {
            throw DaemonBench.Failure("no shopperd at \(daemonPath): build it first (swift build -c release) or pass --binary PATH")
        }
        let data = try BenchData(path: dataPath)
        guard rows <= data.springSummer.count else { throw DaemonBench.Failure("--rows must be at most \(data.springSummer.count)") }
        // Distinct contents: a repeated one would be rejected as a duplicate, a different outcome.
        var generator = Xoshiro256(seed: 7_000_001)
        var seen = Set<[Int]>()
        var batches: [String] = []
        batches.reserveCapacity(files)
        while batches.count < files {
            let picked = data.sample(data.springSummer, rows, &generator)
            if seen.insert(picked).inserted { batches.append(data.csv(picked, labelled: false)) }
        }

        print("shopperd-bench load — \(daemonPath)")
        print("  \(ProcessInfo.processInfo.processorCount) cores visible; \(files) files × \(rows) rows (unlabelled Feb–Jul), bursts of \(burst)")
        var results = [try measure(label: "default inotify queue (\(Self.queueLimit() ?? 0) events)", queue: nil, daemonPath: daemonPath,
                                   data: data, batches: batches)]
        if smallQueue > 0 {
            if geteuid() == 0 && access(Self.queueLimitPath, W_OK) == 0 {
                results.append(try measure(label: "tiny inotify queue (\(smallQueue) events)", queue: smallQueue, daemonPath: daemonPath,
                                           data: data, batches: batches))
            } else {
                print("  tiny-queue run skipped: writing \(Self.queueLimitPath) needs root")
            }
        }
        print("")
        for result in results {
            print("  \(result.label):")
            print(String(format: "    %d files in %.1f s: %.0f files/s, %.0f rows/s", files, result.seconds,
                         Double(files) / result.seconds, Double(files * rows) / result.seconds))
            print("    daemon RSS after each burst (MB): " + result.rssAfterBurstKB.map { String(format: "%.1f", Double($0) / 1024) }.joined(separator: " "))
            print(String(format: "    peak RSS (VmHWM): %.1f MB", Double(result.peakKB) / 1024))
            print("    inotify overflows (inbox-overflow events): \(result.overflows), files claimed by those rescans: \(result.rescanClaimed)")
            print("    exactly one outcome per file: " + (result.problems.isEmpty ? "yes" : "NO — " + result.problems.joined(separator: "; ")))
        }
    }

    func measure(label: String, queue: Int?, daemonPath: String, data: BenchData, batches: [String]) throws -> RunResult {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-bench-load-\(getpid())-\(queue ?? 0)").path
        let inbox = root + "/inbox", outbox = root + "/outbox", state = root + "/state"
        for directory in [inbox, outbox] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        defer { if !keep { try? FileManager.default.removeItem(atPath: root) } }
        let bootstrap = root + "/bootstrap.csv"
        try data.csv(data.springSummer, labelled: true).write(toFile: bootstrap, atomically: false, encoding: .utf8)
        let log = root + "/daemon.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: daemonPath)
        daemon.arguments = ["run", "--inbox", inbox, "--outbox", outbox, "--state", state, "--bootstrap", bootstrap, "--log-target", "stderr"]
        daemon.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SHOPPERD_") && $0.key != "NOTIFY_SOCKET" && $0.key != "WATCHDOG_USEC" }
        daemon.standardInput = FileHandle.nullDevice
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle(forWritingAtPath: log)

        let previousLimit = Self.queueLimit()
        if let queue { try String(queue).write(toFile: Self.queueLimitPath, atomically: false, encoding: .utf8) }
        defer {
            if queue != nil, let previousLimit { try? String(previousLimit).write(toFile: Self.queueLimitPath, atomically: false, encoding: .utf8) }
        }
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let pid = daemon.processIdentifier
        func logText() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        while !logText().contains(#""SHOPPERD_EVENT":"service-started""#) {
            guard daemon.isRunning else { throw DaemonBench.Failure("shopperd exited during start-up:\n\(logText())") }
            usleep(5_000)
        }
        // The daemon's inotify instance exists now, with the small queue; everyone else gets the normal one again.
        if queue != nil, let previousLimit { try String(previousLimit).write(toFile: Self.queueLimitPath, atomically: false, encoding: .utf8) }

        var rssAfterBurst: [Int] = []
        let start = ContinuousClock.now
        var dropped = 0
        while dropped < batches.count {
            let count = min(burst, batches.count - dropped)
            let names = (dropped..<(dropped + count)).map { String(format: "load-%05d", $0) }
            for (offset, name) in names.enumerated() {
                try batches[dropped + offset].write(toFile: inbox + "/." + name + ".csv", atomically: false, encoding: .utf8)
            }
            for name in names {
                guard rename(inbox + "/." + name + ".csv", inbox + "/" + name + ".csv") == 0 else {
                    throw DaemonBench.Failure("rename into the inbox: errno \(errno)")
                }
            }
            dropped += count
            // The burst is done when every file dropped so far has its outcome.
            let deadline = ContinuousClock.now + .seconds(600)
            while Self.outcomes(outbox) < dropped {
                guard daemon.isRunning, ContinuousClock.now < deadline else {
                    throw DaemonBench.Failure("\(Self.outcomes(outbox)) of \(dropped) outcomes (daemon running: \(daemon.isRunning))")
                }
                usleep(20_000)
            }
            rssAfterBurst.append(DaemonBench.memory(pid, "VmRSS") ?? 0)
        }
        let seconds = (ContinuousClock.now - start).seconds
        // The last outcome file precedes the filing of its input: wait until nothing is left claimed.
        let filingDeadline = ContinuousClock.now + .seconds(60)
        while !(((try? FileManager.default.contentsOfDirectory(atPath: InboxLayout(inbox: inbox).claimed)) ?? ["?"]).isEmpty) {
            guard daemon.isRunning, ContinuousClock.now < filingDeadline else {
                throw DaemonBench.Failure("inputs still claimed 60 s after their outcomes (daemon running: \(daemon.isRunning))")
            }
            usleep(10_000)
        }
        let peak = DaemonBench.memory(pid, "VmHWM") ?? 0
        kill(pid, SIGTERM)
        daemon.waitUntilExit()

        let events = logText().split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        let overflows = events.filter { $0["SHOPPERD_EVENT"] as? String == "inbox-overflow" }
        let scored = events.filter { $0["SHOPPERD_EVENT"] as? String == "batch-scored" }.compactMap { $0["SHOPPERD_BATCH"] as? String }
        var problems: [String] = []
        let expected = Set((0..<batches.count).map { String(format: "load-%05d", $0) })
        let outboxNames = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        let reports = outboxNames.filter { $0.hasSuffix(".report.json") }.map { String($0.dropLast(12)) }
        let others = outboxNames.filter { !$0.hasSuffix(".report.json") && !$0.hasSuffix(".predictions.csv") }
        if reports.count != batches.count || Set(reports) != expected { problems.append("\(reports.count) reports for \(batches.count) files") }
        if !others.isEmpty { problems.append("\(others.count) other outbox files, e.g. \(others.prefix(3))") }
        if scored.count != batches.count || Set(scored) != Set(expected.map { $0 + ".csv" }) {
            problems.append("\(scored.count) batch-scored events")
        }
        let archived = ((try? FileManager.default.contentsOfDirectory(atPath: state + "/archive")) ?? []).count
        if archived != batches.count { problems.append("\(archived) archived inputs") }
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).filter { $0 != InboxLayout.bookkeepingName }
        if !left.isEmpty { problems.append("\(left.count) files left in the inbox") }
        if daemon.terminationReason != .exit || daemon.terminationStatus != 0 { problems.append("daemon exit \(daemon.terminationStatus)") }
        if keep { print("  kept \(root)") }
        return RunResult(label: label, seconds: seconds, peakKB: peak, rssAfterBurstKB: rssAfterBurst, overflows: overflows.count,
                      rescanClaimed: overflows.compactMap { Int($0["SHOPPERD_CLAIMED"] as? String ?? "") }.reduce(0, +),
                      problems: problems)
    }

    /// Outcomes so far: reports and rejections in the outbox.
    static func outcomes(_ outbox: String) -> Int {
        guard let directory = opendir(outbox) else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasSuffix(".report.json") || name.hasSuffix(".rejected.json") { count += 1 }
        }
        return count
    }

    static func queueLimit() -> Int? {
        (try? String(contentsOfFile: queueLimitPath, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
