import Foundation
import ShopperPipeline
import ShopperTracking

extension Daemon {
    /// How many attempts `run --once` gives a batch that fails transiently before it leaves it
    /// pending for the next run: a run must end, and a cron job comes back anyway.
    static let onceAttempts = 3

    /// `shopperd run --once`: claims what waits in the inbox, takes every pending batch to its
    /// outcome, and returns (batches waiting for a champion stay in the spool). For cron jobs and
    /// scripts; events go to the same log target. It always ends: a batch whose transient failure
    /// outlasts ``onceAttempts`` attempts is left pending for the next run, and the exit status is
    /// then 75 (EX_TEMPFAIL) so the caller knows to run it again later.
    package func runOnce() async -> ServiceExit {
        guard let (events, notifier, monitor) = Self.serviceParts(settings) else { return .failure }
        let context = ServiceContext(monitor: monitor, events: events, notifier: notifier, stop: StopRequest())
        let live = LiveState()
        do {
            let (lock, pipeline) = try await Self.openPipeline(settings)
            defer { withExtendedLifetime(lock) {} }
            await live.attach(pipeline: pipeline, hooks: settings.onEvent.map { EventHook(program: $0, timeoutSeconds: settings.hookTimeout.seconds) })
            if let bootstrap = settings.bootstrap, let event = try await Self.bootstrap(from: bootstrap, pipeline: pipeline) {
                events.log(event)
            }
            try await Self.claimWaiting(settings, pipeline: pipeline, context: context, settle: .zero)
            let courier = try Self.courier(settings, store: pipeline.store)
            let observer = DaemonObserver(context: context, monitor: monitor, live: live, outbox: settings.outbox, mirror: nil,
                                          courier: courier, pipeline: pipeline)
            try await pipeline.drain(observer: observer, patience: Self.onceAttempts)
            let waiting = await pipeline.waitingCount
            if waiting > 0 {
                FileHandle.standardError.write(Data("shopperd: \(waiting) batch(es) wait for a champion in the spool\n".utf8))
            }
            if let mlflow = settings.mlflow {
                await Self.mirrorOnce(MLflowMirror(store: pipeline.store, settings: mlflow), events: events)
            }
            if let courier { await Self.deliverOnce(courier, events: events) }
            let retrying = await pipeline.retryingCount
            guard retrying == 0 else {
                let failure = await pipeline.latestFailure ?? ""
                FileHandle.standardError.write(Data(("shopperd: \(retrying) batch(es) left pending after \(Self.onceAttempts) failed "
                    + "attempts \(failure); they are retried by the next run (exit status 75)\n").utf8))
                return .tryAgainLater
            }
            return .success
        } catch {
            events.log(.serviceFailed(error: String(describing: error)))
            return ServiceExit(failure: error)
        }
    }

    /// `--once` has no background mirror: one pass before exiting, so that a cron job's batches
    /// reach MLflow too. What fails stays pending in the store for the next run (or `shopperd
    /// mlflow sync`); the exit status is the pipeline's, never the mirror's.
    private static func mirrorOnce(_ mirror: MLflowMirror, events: EventLog) async {
        let wasBehind = await mirror.status().health == .behind
        let progress = await mirror.syncOnce()
        let status = await mirror.status()
        if !progress.failed.isEmpty && status.pending.total > 0 {
            events.log(journalEvent(.fallingBehind(status)))
        } else if wasBehind && status.health == .caughtUp {
            events.log(journalEvent(.caughtUp(status)))
        }
    }
}
