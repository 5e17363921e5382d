import ArgumentParser
import Foundation
import ShopperDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The demo's daemon: this binary's `run`, started as a real child process with a notification
/// socket of the demo's own (so "ready" means systemd's READY=1, not a guess) and its JSON events
/// in `daemon.log`.
final class DemoDaemon: @unchecked Sendable {  // immutable after init; Process is thread-safe for what is used here
    let process: Process
    let logPath: String
    /// Read continuously, as systemd would: a notification socket nobody reads fills up, and the
    /// daemon's next `sd_notify` would wait for room.
    private let notifications: NotifyListener

    private init(process: Process, logPath: String, notifications: NotifyListener) {
        self.process = process
        self.logPath = logPath
        self.notifications = notifications
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    static func start(arguments: [String], workDirectory: String) throws -> DemoDaemon {
        let notifications: NotifyListener
        do {
            notifications = try NotifyListener(path: workDirectory + "/notify.sock")
        } catch {
            throw ValidationError(error.description)
        }
        let logPath = workDirectory + "/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SelfExecutable.path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifications.path
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot start the daemon (\(SelfExecutable.path) run): \(error.localizedDescription)")
        }
        return DemoDaemon(process: process, logPath: logPath, notifications: notifications)
    }

    /// Waits for READY=1 on the notification socket; returns how long it took.
    func waitUntilReady(timeout: Duration) throws -> Duration {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            if notifications.assignments().contains("READY=1") { return ContinuousClock.now - started }
            guard process.isRunning else {
                throw ValidationError("the daemon exited during start-up (status \(process.terminationStatus)); see \(logPath)")
            }
            usleep(50_000)
        }
        throw ValidationError("the daemon was not ready after \(timeout); see \(logPath)")
    }

    /// The last `STATUS=` the daemon sent.
    var lastStatus: String { notifications.statuses().last ?? "" }

    /// SIGTERM, then waits for the exit status.
    func terminate() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Best-effort cleanup (on an error path); the socket goes with this value.
    func stop() {
        if process.isRunning { _ = terminate() }
    }
}

/// This binary's own path (`/proc/self/exe`), so the demo starts the very same build as its daemon.
enum SelfExecutable {
    static var path: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
