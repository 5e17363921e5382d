import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ShopperInbox

/// The daemon's lifecycle under systemd: signals, readiness, watchdog, graceful stop, reload.
///
/// The `shopperd run` command composes it like this:
/// ```swift
/// let exit = await runner.run(reload: { try config.reload() }) { context in
///     let watcher = try InotifyWatcher(directory: inbox)         // watch first,
///     let waiting = try InboxScanner(directory: inbox).entries()  // then list what waits
///     context.log(.serviceStarted(...))
///     await context.ready()                                       // READY=1
///     for name in waiting where !context.isStopping { try await process(name) }
///     for await event in context.untilStopped(watcher.events) { ... }
/// }
/// ```
/// What it guarantees:
/// - `SIGTERM`/`SIGINT`: `STOPPING=1` and a `service-stopping` event at once; the run loop sees
///   ``ServiceContext/isStopping`` and its inbox stream ends, so no new batch starts; the batch in
///   progress may finish within `stopGrace`, after which its task is cancelled (the pipeline
///   abandons it safely: nothing is committed, the batch stays claimed for the next start). A second
///   signal cancels at once. Exit status 0, however the cancellation surfaced (`CancellationError`
///   or the pipeline's typed `PipelineError.cancelled`, e.g. from `--bootstrap` training).
/// - `SIGHUP`: `RELOADING=1`, the `reload` closure, a `config-reloaded` (or `config-reload-failed`,
///   keeping the old configuration) event, the verdict published in ``reloadVerdicts`` (for
///   `shopperd reload`, the unit's `ExecReload=`), then `READY=1` again, as systemd expects.
/// - The ``Watchdog`` runs for the whole life of the run loop.
/// - The run loop throwing (other than being cancelled during a stop) logs `service-failed` and
///   returns ``ServiceExit/failure`` so `Restart=on-failure` restarts the service.
///
/// `SIGPIPE` is ignored too: a closed stderr or hook pipe must give `EPIPE`, not kill the daemon.
package struct ServiceRunner: Sendable {
    package let notifier: SystemdNotifier
    package let events: EventLog
    package let monitor: HealthMonitor
    /// How long a batch in progress may take to finish after a stop request. Keep it below the
    /// unit's `TimeoutStopSec=` so systemd never has to `SIGKILL`.
    package let stopGrace: Duration
    /// Check interval of the watchdog loop when systemd's watchdog is off.
    package let fallbackCheckInterval: Duration
    /// Where each reload's verdict is published (generation 0 at `READY=1`); `nil`: nowhere.
    package let reloadVerdicts: ReloadVerdictFile?

    package init(notifier: SystemdNotifier, events: EventLog, monitor: HealthMonitor,
                stopGrace: Duration = .seconds(20), fallbackCheckInterval: Duration = .seconds(1),
                reloadVerdicts: ReloadVerdictFile? = nil) {
        self.notifier = notifier
        self.events = events
        self.monitor = monitor
        self.stopGrace = stopGrace
        self.fallbackCheckInterval = fallbackCheckInterval
        self.reloadVerdicts = reloadVerdicts
    }

    /// Runs `body` (the daemon's run loop) under the lifecycle above and returns how to exit.
    ///
    /// - Parameters:
    ///   - reload: applies a new configuration on `SIGHUP`; returns a one-line summary for the
    ///     journal, throws to refuse it (the old one stays).
    ///   - body: the run loop; return when ``ServiceContext/isStopping`` or the inbox stream ends.
    package func run(
        reload: @escaping @Sendable () async throws -> String,
        body: @escaping @Sendable (ServiceContext) async throws -> Void
    ) async -> ServiceExit {
        signal(SIGPIPE, SIG_IGN)
        let signals = await SignalListener.listen()
        let stop = StopRequest()
        let context = ServiceContext(monitor: monitor, events: events, notifier: notifier, stop: stop, reloadVerdicts: reloadVerdicts)
        let work = Task { try await body(context) }
        let watchdog = Watchdog(monitor: monitor, notifier: notifier, events: events,
                                fallbackInterval: fallbackCheckInterval)
        let supervisor = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await watchdog.run() }
                group.addTask {
                    await handleSignals(signals, stop: stop, work: work, reload: reload)
                }
            }
        }
        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        supervisor.cancel()
        await supervisor.value
        return await conclude(result, stop: stop)
    }

    /// Reacts to signals until the supervisor is cancelled.
    private func handleSignals(
        _ signals: UnixSignalsSequence, stop: StopRequest, work: Task<Void, any Error>,
        reload: @escaping @Sendable () async throws -> String
    ) async {
        var graceTimer: Task<Void, Never>?
        defer { graceTimer?.cancel() }
        var reloads = 0
        for await caught in signals {
            let signal = ServiceSignal(caught)
            switch signal {
            case .stop:
                guard stop.request(reason: signal.name) else {
                    work.cancel()  // second stop signal: abandon the batch now
                    continue
                }
                await beginStopping(reason: signal.name)
                let grace = stopGrace
                graceTimer = Task {
                    try? await Task.sleep(for: grace)
                    if !Task.isCancelled { work.cancel() }
                }
            case .reload:
                guard !stop.isRequested else { continue }
                reloads += 1
                await performReload(reload, generation: reloads)
            }
        }
    }

    private func beginStopping(reason: String) async {
        await monitor.stoppingBegan()
        events.log(.serviceStopping(reason: reason, batchInFlight: await monitor.batchInFlight))
        do {
            try notifier.stopping(status: await monitor.statusLine())
        } catch {
            events.log(.errorRetrying(batch: nil, error: error.description, attempt: 1, retryIn: .zero))
        }
    }

    private func performReload(_ reload: @Sendable () async throws -> String, generation: Int) async {
        try? notifier.reloading()
        let verdict: ReloadVerdict
        do {
            let summary = try await reload()
            events.log(.configReloaded(summary: summary))
            verdict = ReloadVerdict(pid: getpid(), generation: generation, accepted: true, message: summary)
        } catch {
            events.log(.configReloadFailed(error: String(describing: error)))
            verdict = ReloadVerdict(pid: getpid(), generation: generation, accepted: false, message: String(describing: error))
        }
        reloadVerdicts?.publish(verdict)
        try? notifier.ready(status: await monitor.statusLine())
    }

    /// Turns the run loop's result into an exit status, with the matching notification and event.
    private func conclude(_ result: Result<Void, any Error>, stop: StopRequest) async -> ServiceExit {
        switch result {
        case .success:
            if !stop.isRequested {
                stop.request(reason: "run loop ended")
                await beginStopping(reason: "run loop ended")
            }
            return .success
        case let .failure(error):
            if stop.isRequested && ServiceExit.isCancellation(error) { return .success }
            let text = String(describing: error)
            events.log(.serviceFailed(error: text))
            try? notifier.stopping(status: "failed: \(text)")
            return ServiceExit(failure: error)
        }
    }
}
