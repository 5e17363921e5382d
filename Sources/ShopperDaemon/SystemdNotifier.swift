import CSystemd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager about the daemon's state with `sd_notify(3)`.
///
/// systemd starts a `Type=notify` unit and waits for `READY=1` before it counts the service as
/// started; `STATUS=` is what `systemctl status shopperd` shows; `WATCHDOG=1` must arrive within
/// `WatchdogSec=` or systemd kills and restarts the service; `STOPPING=1` and `RELOADING=1` make
/// `systemctl` report the transition truthfully.
///
/// When `NOTIFY_SOCKET` is unset (a terminal, a test, a container) every call is a no-op that
/// succeeds, so the daemon's code never branches on "am I under systemd".
///
/// The environment is not unset after use (`unset_environment = 0`): the daemon sends many
/// notifications over its life. Hooks the daemon starts must not inherit `NOTIFY_SOCKET`; the
/// unit's `NotifyAccess=main` makes systemd ignore them if they try.
package struct SystemdNotifier: Sendable {
    /// Whether a service manager is listening (`NOTIFY_SOCKET` set and non-empty).
    package let isEnabled: Bool
    /// systemd's watchdog timeout (`WatchdogSec=`, passed as `WATCHDOG_USEC`), or `nil` when the
    /// watchdog is off or meant for another process (`WATCHDOG_PID` names a different PID).
    /// Ping at half of it, as sd_watchdog_enabled(3) advises.
    package let watchdogTimeout: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the process environment.
    package init() {
        if let socket = getenv("NOTIFY_SOCKET") {
            isEnabled = socket.pointee != 0
        } else {
            isEnabled = false
        }
        var microseconds: UInt64 = 0
        if sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 {
            watchdogTimeout = .microseconds(Int64(clamping: microseconds))
        } else {
            watchdogTimeout = nil
        }
    }

    /// `READY=1`: start-up is complete (the inbox is watched). Optionally sets `STATUS=` in the
    /// same datagram, so `systemctl status` never shows a stale "starting" line.
    package func ready(status: String? = nil) throws(SystemdNotifierError) {
        try send(["READY=1"] + Self.statusAssignment(status))
    }

    /// `STATUS=`: one line for `systemctl status`. Newlines would end the assignment, so they are
    /// replaced by spaces.
    package func status(_ text: String) throws(SystemdNotifierError) {
        try send(Self.statusAssignment(text))
    }

    /// `WATCHDOG=1`: "I am healthy". Only ``Watchdog`` should call this, and only when the
    /// ``HealthMonitor`` says so.
    package func watchdog() throws(SystemdNotifierError) {
        try send(["WATCHDOG=1"])
    }

    /// `STOPPING=1`: shutdown has begun (the current batch is finishing or being abandoned).
    package func stopping(status: String? = nil) throws(SystemdNotifierError) {
        try send(["STOPPING=1"] + Self.statusAssignment(status))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (required by `Type=notify-reload` in newer systemd,
    /// harmless before): the configuration is being reloaded. Follow with ``ready(status:)``.
    package func reloading() throws(SystemdNotifierError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
        try send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }

    /// Sends raw `KEY=value` assignments in one datagram. A no-op when ``isEnabled`` is false.
    package func send(_ assignments: [String]) throws(SystemdNotifierError) {
        guard isEnabled, !assignments.isEmpty else { return }
        let state = assignments.joined(separator: "\n")
        let result = sd_notify(0, state)
        if result < 0 { throw .sendFailed(state: state, errno: -result) }
    }

    private static func statusAssignment(_ text: String?) -> [String] {
        guard let text else { return [] }
        let oneLine = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" }
            .joined(separator: " ")
        return ["STATUS=" + oneLine]
    }
}
