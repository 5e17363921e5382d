/// Pings systemd's watchdog at half its timeout, but only while ``HealthMonitor`` says healthy.
///
/// Withholding the ping is the whole point: when a batch hangs, pings stop, `WatchdogSec=`
/// expires and systemd restarts the daemon (and `STATUS=` already says which batch hung). When
/// systemd's watchdog is off (`WATCHDOG_USEC` unset) the loop still runs at `fallbackInterval`,
/// so `STATUS=` and the `batch-stuck` journal entry still tell the operator.
package struct Watchdog: Sendable {
    package let monitor: HealthMonitor
    package let notifier: SystemdNotifier
    package let events: EventLog?
    /// Time between two checks (and pings).
    package let interval: Duration
    /// Whether checks send `WATCHDOG=1` (systemd's watchdog is on for this process).
    package let pings: Bool

    package init(monitor: HealthMonitor, notifier: SystemdNotifier, events: EventLog?,
                fallbackInterval: Duration = .seconds(1)) {
        self.monitor = monitor
        self.notifier = notifier
        self.events = events
        if let timeout = notifier.watchdogTimeout {
            interval = timeout / 2
            pings = true
        } else {
            interval = fallbackInterval
            pings = false
        }
    }

    /// Checks and pings until the task is cancelled.
    package func run() async {
        var failing = false
        while !Task.isCancelled {
            let verdict = await monitor.check()
            if pings && verdict.isHealthy {
                do {
                    try notifier.watchdog()
                    failing = false
                } catch {
                    if !failing {  // one journal entry per failure streak, not one per tick
                        events?.log(.errorRetrying(batch: nil, error: error.description, attempt: 1, retryIn: interval))
                    }
                    failing = true
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
