import ShopperInbox
/// The pipeline's health, as the watchdog must see it, and the `STATUS=` line that explains it.
///
/// A watchdog that pings from a timer proves only that a timer fires. This one pings only while
/// the pipeline is making progress: the run loop reports each batch's start and end (and, if it
/// wants idle liveness checked too, heartbeats), and a batch that runs past
/// ``HealthPolicy/stuckLimit`` turns the verdict to ``Health/stuck(batch:running:)``. The
/// ``Watchdog`` then withholds `WATCHDOG=1`, systemd's `WatchdogSec=` expires, systemd kills the
/// daemon with `SIGABRT` and `Restart=on-failure` starts it again; the batch is still pending
/// (the pipeline commits only complete batches) and is retried.
///
/// The reporting API is what the pipeline calls:
/// ```swift
/// await monitor.batchStarted(name)
/// ... ingest, drift, score ...
/// await monitor.batchFinished(name)
/// ```
/// Every change is pushed to systemd as `STATUS=` at once (deduplicated), so
/// `systemctl status shopperd` follows the batches.
///
/// Instants are parameters (defaulting to now) so the verdicts can be tested exactly.
package actor HealthMonitor {
    package typealias Instant = ContinuousClock.Instant

    package nonisolated let policy: HealthPolicy
    private let notifier: SystemdNotifier
    private let events: EventLog?

    private var status = ServiceStatus()
    private var currentBatch: (name: InboxFileName, since: Instant)?
    private var lastSignOfLife: Instant
    private var stopping = false
    private var lastPublished: String?
    /// The batch already reported stuck, so the journal gets one entry per stuck batch.
    private var reportedStuck: InboxFileName?
    /// Told once per stuck batch, besides the journal (the daemon records a notification).
    private var stuckHandler: (@Sendable (InboxFileName, Duration) -> Void)?

    package init(policy: HealthPolicy, notifier: SystemdNotifier, events: EventLog?, now: Instant = .now) {
        self.policy = policy
        self.notifier = notifier
        self.events = events
        self.lastSignOfLife = now
    }

    // MARK: reports from the run loop

    /// Start-up is done: the daemon is idle and waiting for batches.
    package func started(at now: Instant = .now) {
        if status.activity == .starting { status.activity = .idle }
        lastSignOfLife = now
        publish(at: now)
    }

    /// A batch begins; its running time counts towards the stuck limit from now.
    package func batchStarted(_ batch: InboxFileName, at now: Instant = .now) {
        currentBatch = (batch, now)
        lastSignOfLife = now
        publish(at: now)
    }

    /// The batches processed before this start (the store's count), so `STATUS=` counts every
    /// batch, not only those since the last restart.
    package func batchesProcessedBefore(_ count: Int, at now: Instant = .now) {
        status.batchesProcessed = count
        publish(at: now)
    }

    /// The current batch ended, whatever its outcome (scored, rejected, left pending).
    /// `counted: false` when it got no outcome (it waits for a champion, or is retried later): it
    /// is then not one of the "N batches" of `STATUS=`, or a batch that waited would count twice.
    package func batchFinished(_ batch: InboxFileName, counted: Bool = true, at now: Instant = .now) {
        if currentBatch?.name == batch { currentBatch = nil }
        if reportedStuck == batch { reportedStuck = nil }
        if counted { status.batchesProcessed += 1 }
        lastSignOfLife = now
        publish(at: now)
    }

    /// The idle loop is alive (only matters with ``HealthPolicy/silenceLimit``).
    package func heartbeat(at now: Instant = .now) {
        lastSignOfLife = now
        publish(at: now)
    }

    /// The serving model changed (start-up, promotion).
    package func championChanged(to version: String?, at now: Instant = .now) {
        status.champion = version
        publish(at: now)
    }

    /// Drift was detected (shown as "last drift HH:MM").
    package func driftDetected(at time: ClockTime = .now(), now: Instant = .now) {
        status.lastDrift = time
        publish(at: now)
    }

    /// Sets or clears the status line's remark.
    package func setNote(_ note: String?, at now: Instant = .now) {
        status.note = note
        publish(at: now)
    }

    /// Shutdown began; the status says so (a batch may still be finishing).
    package func stoppingBegan(at now: Instant = .now) {
        stopping = true
        publish(at: now)
    }

    // MARK: verdicts

    /// The batch being processed, if any.
    package var batchInFlight: InboxFileName? { currentBatch?.name }

    /// The verdict at `now`.
    package func health(at now: Instant = .now) -> Health {
        if let current = currentBatch {
            let running = now - current.since
            return running > policy.stuckLimit ? .stuck(batch: current.name, running: running) : .healthy
        }
        if let limit = policy.silenceLimit, !stopping {
            let silence = now - lastSignOfLife
            if silence > limit { return .silent(for: silence) }
        }
        return .healthy
    }

    /// The `STATUS=` line at `now`.
    package func statusLine(at now: Instant = .now) -> String {
        snapshot(at: now).line
    }

    /// The status facts at `now`, with the activity derived from the verdict.
    package func snapshot(at now: Instant = .now) -> ServiceStatus {
        var current = status
        switch health(at: now) {
        case let .stuck(batch, _):
            current.activity = .stuck(batch, limit: policy.stuckLimit)
        case .silent:
            current.activity = .silent(limit: policy.silenceLimit ?? .zero)
        case .healthy:
            if let batch = currentBatch?.name {
                current.activity = .processing(batch)
            } else if stopping {
                current.activity = .stopping
            }
        }
        return current
    }

    /// Calls `handler` (which must not block) the first time each batch is found stuck.
    package func onStuck(_ handler: @escaping @Sendable (InboxFileName, Duration) -> Void) {
        stuckHandler = handler
    }

    /// The watchdog's periodic check: the verdict, with `STATUS=` refreshed when it changed and a
    /// `batch-stuck` journal entry the first time a batch is found stuck.
    package func check(at now: Instant = .now) -> Health {
        let verdict = health(at: now)
        if case let .stuck(batch, running) = verdict, reportedStuck != batch {
            reportedStuck = batch
            events?.log(.batchStuck(batch: batch, running: running, limit: policy.stuckLimit))
            stuckHandler?(batch, running)
        }
        publish(at: now)
        return verdict
    }

    /// Sends `STATUS=` when the line differs from the last one sent. Failures are not fatal here:
    /// a broken notify socket also breaks `WATCHDOG=1`, which ``Watchdog`` reports.
    private func publish(at now: Instant) {
        let line = statusLine(at: now)
        guard line != lastPublished else { return }
        lastPublished = line
        try? notifier.status(line)
    }
}
