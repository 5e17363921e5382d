import Foundation
import ShopperDaemon

/// Access to a real systemd-journald for the journal tests (ShopperDaemonTests and EndToEndTests).
///
/// systemd is not PID 1 on CI machines, so nothing starts journald; CI starts it by hand (as
/// root) before `swift test`, and if its socket is still missing the tests start
/// `/lib/systemd/systemd-journald` themselves. It stays running afterwards, as a system
/// journald would.
package enum Journald {
    package static let socketPath = "/run/systemd/journal/socket"

    /// Makes sure journald listens, starting it if needed; throws with instructions otherwise.
    package static func ensureRunning() async throws {
        if socketExists { return }
        guard getuid() == 0 else {
            throw TestFailure("no journal socket at \(socketPath): start /lib/systemd/systemd-journald as root")
        }
        try startOnce.get()
        guard await eventually(timeout: .seconds(20), { socketExists }) else {
            throw TestFailure("systemd-journald did not create \(socketPath)")
        }
    }

    /// journald's syslog socket, and `/dev/log` pointing at it (what systemd's
    /// `systemd-journald-dev-log.socket` sets up; a journald started by hand creates only the
    /// socket): `syslog(3)` callers, libdispatch among them, then reach the journal as on a real
    /// system.
    package static func ensureSyslogSocket() async throws {
        try await ensureRunning()
        let devLog = "/run/systemd/journal/dev-log"
        guard await eventually(timeout: .seconds(20), { LogEnvironment.isListening(devLog) }) else {
            throw TestFailure("systemd-journald does not listen on \(devLog)")
        }
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/dev/log")) == devLog { return }
        guard getuid() == 0 else { throw TestFailure("/dev/log does not lead to \(devLog): create it as root (ln -s \(devLog) /dev/log)") }
        guard symlink(devLog, "/dev/log") == 0 || errno == EEXIST else {
            throw TestFailure("cannot create /dev/log: errno \(errno)")
        }
    }

    /// A listening journald, not just a socket file (a dead journald leaves its file behind).
    private static var socketExists: Bool { LogEnvironment.isListening(socketPath) }

    /// Launched once per test process, detached from the test's stdio.
    private static let startOnce: Result<Void, TestFailure> = {
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/lib/systemd/systemd-journald")
        daemon.standardInput = FileHandle.nullDevice
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        do {
            try daemon.run()
            return .success(())
        } catch {
            return .failure(TestFailure("cannot start /lib/systemd/systemd-journald: \(error)"))
        }
    }()

    /// `journalctl -o json MATCH...`, one decoded object per entry (run without blocking a
    /// cooperative thread: ``Command`` polls for its exit).
    package static func entries(matching matches: [String]) async throws -> [[String: Any]] {
        let journalctl = try await Command.run("/usr/bin/journalctl", ["--no-pager", "-o", "json"] + matches)
        return journalctl.stdout.split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// Polls `journalctl` until entries matching `matches` appear (journald writes asynchronously).
    package static func waitForEntries(matching matches: [String], count: Int = 1) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        _ = try await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            found = try await entries(matching: matches)
            return found.count >= count
        }
        return found
    }
}
