import Dispatch
import Foundation
import ShopperCore
import ShopperIO
import ShopperInbox
import ShopperPipeline
import ShopperStore
import ShopperNotify
import ShopperTracking
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd run`: the pipeline as a service. Watches the inbox with inotify, claims complete
/// files, takes each through the pipeline, and reports to systemd and the journal.
///
/// The loop, under ``ServiceRunner`` (signals, READY/STOPPING, watchdog, reload):
/// 1. open the store and spool; train a champion from `--bootstrap` if there is none;
/// 2. start watching, then claim what already waits in the inbox (oldest first) — watching first,
///    so nothing that lands in between is missed (a double report is harmless: claims are atomic);
/// 3. `READY=1`, then drain the spool: every pending entry to its outcome;
/// 4. on each inotify arrival, overflow or periodic tick: claim, then drain again.
package struct Daemon: Sendable {
    package let settings: DaemonSettings
    /// Reads the configuration again (SIGHUP).
    package let reload: @Sendable () throws -> DaemonSettings

    package init(settings: DaemonSettings, reload: @escaping @Sendable () throws -> DaemonSettings) {
        self.settings = settings
        self.reload = reload
    }

    /// How long a store write waits for another process's lock. Short on purpose: past it the batch
    /// goes back to the spool and is retried with backoff, and STATUS and the journal name the
    /// locked store, where a long wait would look like a silent hang.
    static let storeBusyTimeout: Duration = .seconds(5)

    /// Runs until stopped; returns how the process should exit.
    package func run() async -> ServiceExit {
        guard let (events, notifier, monitor) = Self.serviceParts(settings) else { return .failure }
        let runner = ServiceRunner(notifier: notifier, events: events, monitor: monitor, stopGrace: settings.stopGrace,
                                   reloadVerdicts: ReloadVerdictFile(state: settings.state))
        let current = Mutex(settings)
        let live = LiveState()
        let initial = settings
        let reload = self.reload
        return await runner.run(reload: {
            let next = try reload()
            let previous = current.withLock { $0 }
            let fixed = next.restartOnlyDifferences(from: previous)
            guard fixed.isEmpty else { throw ConfigurationError.needsRestart(keys: fixed) }
            current.withLock { $0 = next }
            try await live.apply(next)
            return "drift α \(next.pipeline.drift.alpha) \(next.pipeline.drift.correction.rawValue), retrain at "
                + "\(next.pipeline.minLabelledRows) labelled rows, metric \(next.pipeline.promotionMetric.rawValue), "
                + "hook \(next.onEvent ?? "none")"
        }) { context in
            try await Self.loop(initial, context: context, monitor: monitor, live: live)
        }
    }

    /// The journal (or stderr) log, the systemd notifier and the health monitor a run reports
    /// through; nil, said on stderr, when the log target cannot be opened.
    static func serviceParts(_ settings: DaemonSettings) -> (EventLog, SystemdNotifier, HealthMonitor)? {
        let events: EventLog
        do {
            events = try EventLog(target: settings.logTarget)
        } catch {
            FileHandle.standardError.write(Data("shopperd: \(error)\n".utf8))
            return nil
        }
        let notifier = SystemdNotifier()
        return (events, notifier, HealthMonitor(policy: HealthPolicy(stuckLimit: settings.stuckLimit), notifier: notifier, events: events))
    }

    /// The directories, the instance lock (held by the caller for as long as it runs), then the
    /// pipeline on them: the lock comes before anything in the state directory or the inbox is touched.
    static func openPipeline(_ settings: DaemonSettings) async throws -> (InstanceLock, Pipeline) {
        for directory in [settings.inbox, settings.outbox, settings.state, InboxLayout(inbox: settings.inbox).bookkeeping] {
            try Directory.createAll(directory)
        }
        let lock = try InstanceLock.acquire(state: settings.state, inbox: settings.inbox)
        let pipeline = try Pipeline(inbox: settings.inbox, outbox: settings.outbox, state: settings.state, settings: settings.pipeline,
                                    busyTimeout: storeBusyTimeout)
        await pipeline.setRetryPolicy(settings.retryPolicy)
        return (lock, pipeline)
    }

    private static func loop(_ settings: DaemonSettings, context: ServiceContext, monitor: HealthMonitor, live: LiveState) async throws {
        let (lock, pipeline) = try await openPipeline(settings)
        defer { withExtendedLifetime(lock) {} }
        let courier = try Self.courier(settings, store: pipeline.store)
        do {
            try await serve(settings, pipeline: pipeline, courier: courier, context: context, monitor: monitor, live: live)
        } catch {
            if !(error is CancellationError) { await Self.notifyFatal(error, store: pipeline.store, courier: courier) }
            throw error
        }
    }

    private static func serve(
        _ settings: DaemonSettings, pipeline: Pipeline, courier: NotificationCourier?, context: ServiceContext,
        monitor: HealthMonitor, live: LiveState
    ) async throws {
        let hooks = settings.onEvent.map { EventHook(program: $0, timeoutSeconds: settings.hookTimeout.seconds) }
        let mirror = settings.mlflow.map { MLflowMirror(store: pipeline.store, settings: $0) }
        await live.attach(pipeline: pipeline, hooks: hooks)

        if let bootstrap = settings.bootstrap, let event = try await Self.bootstrap(from: bootstrap, pipeline: pipeline) {
            context.log(event)
        }
        await monitor.championChanged(to: try await pipeline.processor.championVersion().map { "v\($0)" })
        await monitor.batchesProcessedBefore(try pipeline.store.jobCount())

        let watcher = try InotifyWatcher(directory: settings.inbox)
        defer { watcher.stop() }
        try await claimWaiting(settings, pipeline: pipeline, context: context, settle: .zero)

        var background: [Task<Void, Never>] = []
        defer { background.forEach { $0.cancel() } }
        if let mirror {
            background.append(Task { await mirror.run() })
            background.append(Task {
                for await event in mirror.events { context.log(Self.journalEvent(event)) }
            })
        }

        if let courier {
            background.append(Task { await courier.run() })
            background.append(Task {
                for await event in courier.events { context.log(Self.journalEvent(event)) }
            })
            let store = pipeline.store
            await monitor.onStuck { batch, running in
                Self.notifyStuck(batch: batch, running: running, limit: settings.stuckLimit, store: store, courier: courier)
            }
        }

        let rolloutStore = pipeline.store
        background.append(Task {
            await Self.watchRollouts(store: rolloutStore, every: settings.rolloutLookInterval, context: context, monitor: monitor)
        })

        context.log(.serviceStarted(version: ShopperdVersion.current, inbox: settings.inbox, outbox: settings.outbox,
                                    watchdogTimeout: context.notifier.watchdogTimeout))
        await context.ready()
        let observer = DaemonObserver(context: context, monitor: monitor, live: live, outbox: settings.outbox, mirror: mirror,
                                      courier: courier, pipeline: pipeline)
        let stopping: @Sendable () -> Bool = { context.isStopping }
        // A batch waiting for its retry never holds up the loop: the drain returns, arrivals are
        // claimed and processed, and the alarm brings the loop back when the retry is due.
        let alarm = RetryAlarm()
        let loopEvents = LoopEvents.merge(watcher.events, tick: settings.rescanInterval, alarm: alarm)
        try await pipeline.drain(observer: observer, until: stopping, patience: 0)
        alarm.set(at: await pipeline.nextRetry)
        await observer.updateIdleNote()
        IdleMemory.release(pipeline.store)

        for await event in context.untilStopped(loopEvents) {
            switch event {
            case .inbox(.arrived(let name)):
                do {
                    try await pipeline.claim(name)
                } catch {
                    context.log(.errorRetrying(batch: name, error: error.description, attempt: 1, retryIn: settings.rescanInterval))
                }
            case .inbox(.rescanNeeded):
                let claimed = try await claimWaiting(settings, pipeline: pipeline, context: context, settle: .zero)
                context.log(.inboxOverflow(claimed: claimed))
            case .inbox(.inboxLost):
                throw DaemonError.inboxLost(settings.inbox)
            case .tick:
                await monitor.heartbeat()
                try await claimWaiting(settings, pipeline: pipeline, context: context, settle: .seconds(2))
            case .retryDue:
                break
            }
            try await pipeline.drain(observer: observer, until: stopping, patience: 0)
            alarm.set(at: await pipeline.nextRetry)
            await observer.updateIdleNote()
            IdleMemory.release(pipeline.store)
        }
    }

    /// The journal event of a change in the mirror's standing.
    static func journalEvent(_ event: MirrorEvent) -> DaemonEvent {
        switch event {
        case .fallingBehind(let status):
            .mlflowBehind(pending: status.pending.total, error: status.lastError ?? "unknown", message: event.message)
        case .caughtUp(let status):
            .mlflowCaughtUp(mirrored: status.mirrored.total, target: status.target, message: event.message)
        }
    }

    /// `--bootstrap FILE` when there is no champion: trains it, and describes it for the journal
    /// (its holdout ROC AUC as the score); or says what the first champion still waits for.
    static func bootstrap(from path: String, pipeline: Pipeline) async throws -> DaemonEvent? {
        let started = ContinuousClock.now
        switch try await pipeline.bootstrap(from: path) {
        case .championExists:
            return nil
        case .waiting(let reason):
            return .firstChampionWaiting(batch: nil, reason: reason)
        case .trained(let version, let evidence):
            return .modelPromoted(batch: nil, previousVersion: nil, modelVersion: "v\(version)", metric: "bootstrap holdout roc_auc",
                                  championScore: nil, challengerScore: evidence.heldOut?.value, duration: ContinuousClock.now - started,
                                  decision: .bootstrapTrained)
        }
    }

    /// Claims what the inbox holds. Periodic rescans skip files modified in the last `settle`:
    /// one still being written (never closed yet) must not be taken; inotify reports it when
    /// it is closed.
    /// Returns how many it claimed.
    @discardableResult
    static func claimWaiting(_ settings: DaemonSettings, pipeline: Pipeline, context: ServiceContext, settle: Duration) async throws -> Int {
        let now = Date().timeIntervalSince1970
        var claimed = 0
        for entry in try InboxScanner(directory: settings.inbox).entries() {
            let age = now - (Double(entry.modifiedSeconds) + Double(entry.modifiedNanoseconds) / 1e9)
            if age < settle.seconds { continue }
            do {
                if try await pipeline.claim(entry.name) != nil { claimed += 1 }
            } catch {
                context.log(.errorRetrying(batch: entry.name, error: error.description, attempt: 1, retryIn: settings.rescanInterval))
            }
        }
        return claimed
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
