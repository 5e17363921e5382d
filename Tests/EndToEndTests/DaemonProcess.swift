import Foundation
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

/// A failure of the test's own set-up (not of the daemon), with what to do about it.
struct DaemonTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One run of the real `shopperd run` as a child process (at a lower CPU priority): its stdout and
/// stderr captured in files, signals sent by pid, its exit status awaited by polling (no cooperative
/// thread is blocked).
///
/// With `--log-target stderr` the daemon writes one JSON object per event on stderr; ``events``
/// decodes them, so tests check the same fields the journal gets.
final class DaemonProcess: @unchecked Sendable {  // Process is thread-safe for what is used here
    let process = Process()
    private let output: TemporaryDirectory

    /// Environment variables that belong to a service manager or select settings; the child starts
    /// without them (plus what the test sets), so the developer's own environment cannot leak in.
    static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("SHOPPERD_") && !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM",
                                               "MLFLOW_TRACKING_URI", "INVOCATION_ID"].contains(name)
        }
    }

    /// Starts `shopperd arguments…`, or another `executable` (a tool the tests read results with).
    init(arguments: [String], environment: [String: String] = [:], directory: String? = nil, executable: String? = nil) throws {
        guard executable != nil || FileManager.default.isExecutableFile(atPath: ShopperdBinary.url.path) else {
            throw ShopperdBinary.Missing(path: ShopperdBinary.url.path)
        }
        output = try TemporaryDirectory("shopperd-e2e")
        _ = FileManager.default.createFile(atPath: output.file("stdout"), contents: nil)
        _ = FileManager.default.createFile(atPath: output.file("stderr"), contents: nil)
        // Through nice(1), which execs the program in place (same pid): these daemons train forests
        // and write thousands of files, and at normal priority they would starve the timing-sensitive
        // tests that run in parallel with them on a small machine.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = ["-n", "10", executable ?? ShopperdBinary.url.path] + arguments
        process.environment = Self.cleanEnvironment().merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: output.file("stdout"))
        process.standardError = FileHandle(forWritingAtPath: output.file("stderr"))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var stdout: String { (try? String(contentsOfFile: output.file("stdout"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: output.file("stderr"), encoding: .utf8)) ?? "" }

    /// The events logged so far (stderr lines that are JSON objects), oldest first.
    var events: [DaemonLogEvent] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return DaemonLogEvent(fields: object)
        }
    }

    /// The events of one kind (`SHOPPERD_EVENT`), e.g. `drift-detected`.
    func events(_ kind: String) -> [DaemonLogEvent] {
        events.filter { $0["SHOPPERD_EVENT"] == kind }
    }

    /// Waits for an event of `kind` (about `batch`, when given); returns it.
    func waitForEvent(_ kind: String, batch: String? = nil, timeout: Duration = .seconds(60)) async -> DaemonLogEvent? {
        var found: DaemonLogEvent?
        _ = await eventually(timeout: timeout) {
            found = events(kind).first { batch == nil || $0["SHOPPERD_BATCH"] == batch }
            return found != nil || !isRunning
        }
        return found ?? events(kind).first { batch == nil || $0["SHOPPERD_BATCH"] == batch }
    }

    /// Waits until the daemon is watching its inbox (`service-started`).
    func waitUntilStarted(timeout: Duration = .seconds(60)) async throws {
        guard await waitForEvent("service-started", timeout: timeout) != nil else {
            throw DaemonTestError("shopperd run did not start (running: \(isRunning)); stderr:\n\(stderr)")
        }
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Runs a short command to completion without blocking a thread; its exit status (nil: killed
    /// or timed out) and what it printed.
    static func run(_ arguments: [String], executable: String? = nil, timeout: Duration = .seconds(60)) async throws
        -> (status: Int32?, stdout: String, stderr: String)
    {
        let child = try DaemonProcess(arguments: arguments, executable: executable)
        let status = await child.exitStatus(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }

    /// Waits for the process to end; its exit status, or nil if it was killed by a signal or
    /// still ran after `timeout` (it is then killed).
    func exitStatus(timeout: Duration = .seconds(60)) async -> Int32? {
        guard await eventually(timeout: timeout, every: .milliseconds(5), { !process.isRunning }) else {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// One event the daemon logged as JSON on stderr (the journal's fields: `MESSAGE`, `PRIORITY`,
/// `SHOPPERD_EVENT`, `SHOPPERD_BATCH`, …).
struct DaemonLogEvent: @unchecked Sendable {  // JSON values: strings, numbers, arrays
    let fields: [String: Any]

    subscript(name: String) -> String? { fields[name] as? String }
}
