import ShopperPipeline
import ShopperTracking

/// Everything `shopperd run` runs with: where it works, how it logs and alerts, and the pipeline's
/// settings. Loaded by ``DaemonConfiguration`` from the command line, the environment and a JSON
/// file, in that order of precedence.
public struct DaemonSettings: Sendable, Equatable {
    public var inbox = "./inbox"
    public var outbox = "./outbox"
    public var state = "./state"
    public var logTarget: LogTarget = .auto
    /// `--on-event PROGRAM`: run as `PROGRAM EVENT REPORT_PATH` (no shell) on drift, promotion,
    /// rejection and retrain-skipped.
    public var onEvent: String?
    public var hookTimeout: Duration = .seconds(10)
    /// A labelled CSV to train the first champion from when the store has none.
    public var bootstrap: String?
    /// A batch running longer than this stops the watchdog pings (systemd then restarts us).
    public var stuckLimit: Duration = .seconds(600)
    /// How long a batch in progress may take to finish after SIGTERM.
    public var stopGrace: Duration = .seconds(20)
    /// How often the inbox is listed again besides inotify (a safety net), and waiting batches
    /// retried.
    public var rescanInterval: Duration = .seconds(30)
    /// First backoff after a transient failure (doubles up to 30 s).
    public var retryDelay: Duration = .milliseconds(500)
    /// The retry ceiling: a batch still failing this long after its first failure gets its final
    /// outcome (rejected, saying what failed) as soon as that can be recorded.
    public var retryLimit: Duration = .seconds(86_400)
    public var pipeline = PipelineSettings()
    public var mlflow: MLflowSettings?

    public init() {}

    /// The pipeline's backoff and ceiling.
    public var retryPolicy: RetryPolicy {
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
        case (nil, nil):
            break
        default:
            keys.append("mlflow.tracking-uri")  // mirroring turned on or off
        }
        return keys
    }
}
