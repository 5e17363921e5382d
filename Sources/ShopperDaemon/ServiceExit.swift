import ShopperPipeline
import ShopperStore

/// How the daemon's process should exit; systemd's `Restart=on-failure` restarts on `failure`.
public enum ServiceExit: Int32, Sendable {
    /// Stopped on request (or the run loop ended normally): exit 0, no restart.
    case success = 0
    /// The run loop failed: exit 1, systemd restarts the service.
    case failure = 1
    /// The store is corrupt (EX_DATAERR, 65). A restart would refuse again, so the unit lists it in
    /// `RestartPreventExitStatus=`: the service stays failed, the file untouched, until the operator
    /// restores or moves it.
    case storeCorrupt = 65
    /// Another shopperd holds the directories (EX_TEMPFAIL, 75): starting would process its batches
    /// twice. systemd may restart later; by then the other may have stopped.
    case alreadyRunning = 75

    /// The exit for a run that failed with `error`.
    init(failure error: any Error) {
        let store: StoreError? = switch error {
        case PipelineError.store(let wrapped): wrapped
        case let error as StoreError: error
        default: nil
        }
        if store?.isCorruption == true {
            self = .storeCorrupt
        } else if case .heldByAnother? = error as? InstanceLockError {
            self = .alreadyRunning
        } else {
            self = .failure
        }
    }
}
