import ShopperPipeline
import ShopperStore

/// How the daemon's process should exit; systemd's `Restart=on-failure` restarts on `failure`.
package enum ServiceExit: Int32, Sendable {
    /// Stopped on request (or the run loop ended normally): exit 0, no restart.
    case success = 0
    /// The run loop failed: exit 1, systemd restarts the service.
    case failure = 1
    /// The store is corrupt (EX_DATAERR, 65). A restart would refuse again, so the unit lists it in
    /// `RestartPreventExitStatus=`: the service stays failed, the file untouched, until the operator
    /// restores or moves it.
    case storeCorrupt = 65
    /// Try again later (EX_TEMPFAIL, 75): another shopperd holds the directories (starting would
    /// process its batches twice; by a later restart it may have stopped), another process holds
    /// the store's write lock at start-up, or `run --once` left batches pending after transient
    /// failures (the next run retries them).
    case tryAgainLater = 75
    /// The configuration cannot work (EX_CONFIG, 78): a `--bootstrap` file that can never train a
    /// champion. A restart would fail the same way, so the unit lists it in `RestartPreventExitStatus=`.
    case configuration = 78

    /// The exit for a run that failed with `error`.
    init(failure error: any Error) {
        let store: StoreError? = switch error {
        case PipelineError.store(let wrapped): wrapped
        case let error as StoreError: error
        default: nil
        }
        if store?.isCorruption == true {
            self = .storeCorrupt
        } else if case .busy? = store {
            self = .tryAgainLater
        } else if case .heldByAnother? = error as? InstanceLockError {
            self = .tryAgainLater
        } else if case .unusableBootstrap? = error as? PipelineError {
            self = .configuration
        } else {
            self = .failure
        }
    }

    /// Whether `error` is a stop cancelling the work, however it was thrown (Swift's
    /// `CancellationError`, or the pipeline's typed ``PipelineError/cancelled``): after a stop
    /// request that is a clean exit, never a failure.
    static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || (error as? PipelineError)?.isCancellation == true
    }
}
