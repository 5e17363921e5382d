import ShopperPipeline
import ShopperTracking
import ShopperNotify

/// Everything `shopperd run` runs with: where it works, how it logs and alerts, and the pipeline's
/// settings. Loaded by ``DaemonConfiguration`` from the command line, the environment and a JSON
/// file, in that order of precedence.
package struct DaemonSettings: Sendable, Equatable {
    package var inbox = "./inbox"
    package var outbox = "./outbox"
    package var state = "./state"
    package var logTarget: LogTarget = .auto
    /// `--on-event PROGRAM`: run as `PROGRAM EVENT REPORT_PATH` (no shell) on drift, promotion,
    /// rejection and retrain-skipped.
    package var onEvent: String?
    package var hookTimeout: Duration = .seconds(10)
    /// A labelled CSV to train the first champion from when the store has none.
    package var bootstrap: String?
    /// A batch running longer than this stops the watchdog pings (systemd then restarts us).
    package var stuckLimit: Duration = .seconds(600)
    /// How long a batch in progress may take to finish after SIGTERM.
    package var stopGrace: Duration = .seconds(20)
    /// How often the inbox is listed again besides inotify (a safety net), and waiting batches
    /// retried.
    package var rescanInterval: Duration = .seconds(30)
    /// The running rollout is looked at this often for outcomes that arrived between batches.
    package var rolloutLookInterval: Duration = .seconds(5)
    /// First backoff after a transient failure (doubles up to 30 s).
    package var retryDelay: Duration = .milliseconds(500)
    /// The retry ceiling: a batch still failing this long after its first failure gets its final
    /// outcome (rejected, saying what failed) as soon as that can be recorded.
    package var retryLimit: Duration = .seconds(86_400)
    package var pipeline = PipelineSettings()
    package var mlflow: MLflowSettings?
    /// E-mail and webhooks (`notify.*`); empty: none.
    package var notify = NotificationSettings()

    package init() {}

    /// The pipeline's backoff and ceiling.
    package var retryPolicy: RetryPolicy {
        var policy = RetryPolicy()
        policy.firstDelay = retryDelay
        policy.limit = retryLimit
        return policy
    }

    /// Settings a reload (SIGHUP) may not change: they need a restart.
    func restartOnlyDifferences(from other: DaemonSettings) -> [String] {
        var keys: [String] = []
        if inbox != other.inbox { keys.append("inbox") }
        if outbox != other.outbox { keys.append("outbox") }
        if state != other.state { keys.append("state") }
        if logTarget != other.logTarget { keys.append("log-target") }
        // The MLflow mirror is started once, with the daemon: a reload cannot move it elsewhere.
        switch (mlflow, other.mlflow) {
        case let (new?, old?):
            if new.trackingURI != old.trackingURI { keys.append("mlflow.tracking-uri") }
            if new.trainingExperiment != old.trainingExperiment { keys.append("mlflow.training-experiment") }
            if new.monitoringExperiment != old.monitoringExperiment { keys.append("mlflow.monitoring-experiment") }
            if new.registeredModel != old.registeredModel { keys.append("mlflow.registered-model") }
            // The mirror's client holds them (a changed mlflow.password-file, say): said, not silently kept.
            if new.credentials != old.credentials { keys.append("the MLflow credentials") }
        case (nil, nil):
            break
        default:
            keys.append("mlflow.tracking-uri")  // mirroring turned on or off
        }
        // The courier is started once, with the daemon, and registers its channels then.
        if notify != other.notify { keys.append("notify.*") }
        return keys
    }
}
