#if canImport(Glibc)
import Glibc
#endif

/// What the daemon's run loop gets from ``ServiceRunner``: the health reporting API, the event
/// log, readiness, and the graceful-stop flag.
package struct ServiceContext: Sendable {
    /// Report batch progress here; it drives the watchdog and `STATUS=`.
    package let monitor: HealthMonitor
    /// Structured events (journal or JSON lines).
    package let events: EventLog
    package let notifier: SystemdNotifier
    let stop: StopRequest
    /// Where reload verdicts go; generation 0 is published at `READY=1`.
    let reloadVerdicts: ReloadVerdictFile?

    init(monitor: HealthMonitor, events: EventLog, notifier: SystemdNotifier, stop: StopRequest,
         reloadVerdicts: ReloadVerdictFile? = nil) {
        self.monitor = monitor
        self.events = events
        self.notifier = notifier
        self.stop = stop
        self.reloadVerdicts = reloadVerdicts
    }

    /// Whether a graceful stop was requested: check before starting each batch and return when
    /// true. The batch in progress is allowed to finish within the runner's stop grace.
    package var isStopping: Bool { stop.isRequested }

    /// Sends `READY=1` with the current status. Call once the inbox is watched and the waiting
    /// files are listed, *before* working through them (a long backlog must not look like a
    /// start-up hang to systemd).
    package func ready() async {
        await monitor.started()
        // "Ready, no reload answered yet": replaces a previous process's verdicts, so a waiter
        // never mistakes one of those (same pid after a reuse) for an answer. Published here, not
        // earlier: a daemon that refuses to start leaves nothing behind in its directories.
        reloadVerdicts?.publish(ReloadVerdict(pid: getpid(), generation: 0, accepted: true, message: "ready; no reload yet"))
        do {
            try notifier.ready(status: await monitor.statusLine())
        } catch {
            events.log(.errorRetrying(batch: nil, error: error.description, attempt: 1, retryIn: .zero))
        }
    }

    /// Records an event.
    package func log(_ event: DaemonEvent) {
        events.log(event)
    }

    /// `stream`, ending as soon as a graceful stop is requested (see ``StoppableStream``).
    package func untilStopped<Element: Sendable>(_ stream: AsyncStream<Element>) -> StoppableStream<Element> {
        StoppableStream(stream, stop: stop)
    }
}
