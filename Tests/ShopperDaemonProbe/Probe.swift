import Foundation
import ShopperDaemon
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ShopperInbox

/// A stand-in for `shopperd run`, composed exactly as the real run loop will be (runner, watcher,
/// scanner, health monitor, event log), but whose "batches" are tiny command files, so tests can
/// make a batch take a known time, hang, or fail, and then observe the real process from outside:
/// its notify datagrams, its journal entries, its exit status after a real signal.
///
/// Usage: `shopperd-daemon-probe --inbox DIR [--stuck-limit-ms N] [--stop-grace-ms N]
///         [--log-target auto|journal|stderr] [--config FILE]`
///
/// Batch file commands (first line): `work MS` (a batch taking MS ms), `hang` (never finishes),
/// `until PATH` (finishes once PATH exists),
/// `drift` (reports drift), `fail` (the run loop throws). Each finished batch is removed and
/// reported on stdout as `done <hex of the name's bytes>`; an abandoned one as `abandoned <hex>`.
@main
struct Probe {
    static func main() async {
        let options: Options
        do {
            options = try Options(CommandLine.arguments.dropFirst())
        } catch {
            emit("usage error: \(error)", fd: STDERR_FILENO)
            exit(2)
        }
        let notifier = SystemdNotifier()
        let events: EventLog
        do {
            events = try EventLog(target: options.logTarget)
        } catch {
            emit("\(error)", fd: STDERR_FILENO)
            exit(2)
        }
        emit("pid \(getpid())")
        emit("sink \(events.sink.rawValue)")
        let monitor = HealthMonitor(policy: HealthPolicy(stuckLimit: options.stuckLimit), notifier: notifier, events: events)
        // Reload verdicts in $RUNTIME_DIRECTORY, as under the unit, for `shopperd reload`.
        let verdicts = ProcessInfo.processInfo.environment["RUNTIME_DIRECTORY"].map { ReloadVerdictFile(state: $0) }
        let runner = ServiceRunner(notifier: notifier, events: events, monitor: monitor,
                                   stopGrace: options.stopGrace, fallbackCheckInterval: .milliseconds(50),
                                   reloadVerdicts: verdicts)
        let result = await runner.run(reload: {
            let champion = try options.readChampion()
            await monitor.championChanged(to: champion)
            return "champion \(champion ?? "none")"
        }, body: { context in
            let watcher = try InotifyWatcher(directory: options.inbox)
            let waiting = try InboxScanner(directory: options.inbox).entries().map(\.name)
            await monitor.championChanged(to: try options.readChampion())
            context.log(.serviceStarted(version: "probe", inbox: options.inbox, outbox: options.inbox,
                                        watchdogTimeout: notifier.watchdogTimeout))
            await context.ready()
            for name in waiting where !context.isStopping {
                try await process(name, options: options, context: context)
            }
            for await event in context.untilStopped(watcher.events) {
                switch event {
                case let .arrived(name):
                    try await process(name, options: options, context: context)
                case .rescanNeeded:
                    for name in try InboxScanner(directory: options.inbox).entries().map(\.name) where !context.isStopping {
                        try await process(name, options: options, context: context)
                    }
                case .inboxLost:
                    throw ProbeError.inboxLost
                }
            }
        })
        emit("exit \(result.rawValue)")
        exit(result.rawValue)
    }

    /// One "batch": read its command, report progress to the health monitor, act, remove it.
    static func process(_ name: InboxFileName, options: Options, context: ServiceContext) async throws {
        let path = Array(options.inbox.utf8) + [UInt8(ascii: "/")] + name.bytes
        guard let command = readFirstLine(path) else { return }  // already handled (duplicate arrival)
        let started = ContinuousClock.now
        await context.monitor.batchStarted(name)
        do {
            let words = command.split(separator: " ")
            switch words.first {
            case "work":
                let milliseconds = words.count > 1 ? Int(words[1]) ?? 0 : 0
                try await Task.sleep(for: .milliseconds(milliseconds))
            case "hang":
                try await Task.sleep(for: .seconds(3_600))
            case "until":
                // Runs until the file named by the second word exists: a test decides when the
                // batch ends, whatever the machine's speed.
                let gate = words.count > 1 ? String(words[1]) : ""
                while access(gate, F_OK) != 0 { try await Task.sleep(for: .milliseconds(10)) }
            case "drift":
                context.log(.driftDetected(batch: name, rows: 3, driftedFeatures: ["ExitRates"], featuresTested: 17,
                                           decision: .scoreAwaitingLabels, modelVersion: "v1"))
                await context.monitor.driftDetected()
            case "fail":
                throw ProbeError.batchFailed
            default:
                break
            }
        } catch is CancellationError {
            emit("abandoned \(hex(name.bytes))")
            throw CancellationError()
        }
        unlink(path)
        context.log(.batchScored(batch: name, rows: 3, modelVersion: "v1", drift: false, decision: .score,
                                 duration: ContinuousClock.now - started))
        await context.monitor.batchFinished(name)
        emit("done \(hex(name.bytes))")
    }

    static func readFirstLine(_ path: [UInt8]) -> String? {
        let fd = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = read(fd, &bytes, bytes.count)
        guard count >= 0 else { return nil }
        return String(decoding: bytes[0..<count], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// One line on `fd`, written at once (tests read stdout line by line while we run).
    static func emit(_ line: String, fd: Int32 = STDOUT_FILENO) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

enum ProbeError: Error, CustomStringConvertible {
    case inboxLost, batchFailed, badArgument(String)

    var description: String {
        switch self {
        case .inboxLost: "the inbox disappeared"
        case .batchFailed: "the batch asked to fail"
        case let .badArgument(text): "bad argument: \(text)"
        }
    }
}

struct Options: Sendable {
    var inbox = ""
    var stuckLimit: Duration = .seconds(60)
    var stopGrace: Duration = .seconds(5)
    var logTarget: LogTarget = .auto
    var config: String?

    init(_ arguments: ArraySlice<String>) throws(ProbeError) {
        var rest = arguments
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw .badArgument(flag) }
            switch flag {
            case "--inbox": inbox = value
            case "--stuck-limit-ms": stuckLimit = .milliseconds(Int(value) ?? 0)
            case "--stop-grace-ms": stopGrace = .milliseconds(Int(value) ?? 0)
            case "--log-target":
                guard let target = LogTarget(rawValue: value) else { throw .badArgument(value) }
                logTarget = target
            case "--config": config = value
            default: throw .badArgument(flag)
            }
        }
        guard !inbox.isEmpty else { throw .badArgument("--inbox is required") }
    }

    /// `champion=VERSION` from the config file, if any.
    func readChampion() throws(ProbeError) -> String? {
        guard let config else { return nil }
        guard let line = Probe.readFirstLine(Array(config.utf8)) else { throw .badArgument("cannot read \(config)") }
        guard line.hasPrefix("champion=") else { throw .badArgument("config must say champion=VERSION") }
        return String(line.dropFirst("champion=".count))
    }
}
