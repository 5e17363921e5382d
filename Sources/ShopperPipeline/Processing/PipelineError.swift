import ShopperDrift
import ShopperIO
import ShopperML
import ShopperStore

/// Why a batch could not be finished now. Input problems are not errors here; they are outcomes
/// (`rejected.json`). What the drain does with each is its ``failureClass``: retry a transient one
/// later while other batches go on, give a permanent one its outcome now (docs/daemon.md, "Failures").
package enum PipelineError: Error, Sendable, CustomStringConvertible {
    /// Reading or writing a file failed (disk full, read-only, permissions…).
    case fileSystem(FileSystemError)
    /// The store refused (busy beyond the timeout, disk full, corrupt…).
    case store(StoreError)
    /// The input changed while it was read: its writer still has it open.
    case inputStillChanging(String)
    /// There is no champion yet and this batch cannot train one.
    case waitingForChampion(String)
    /// Training, scoring or drift testing failed deterministically: the same input (and store)
    /// fails the same way every time.
    case model(String)
    /// An error of a kind no rule here classifies, with its Swift type and its own description:
    /// retried, and permanent once it repeats identically.
    case unexpected(type: String, message: String)
    /// The task was cancelled (the daemon is stopping): nothing was committed, the batch stays pending.
    case cancelled
    /// The `--bootstrap` file can never train a first champion: a configuration error (exit 78).
    case unusableBootstrap(path: String, reason: String)

    package var description: String {
        switch self {
        case .fileSystem(let error): error.description
        case .store(let error): error.description
        case .inputStillChanging(let name): "\(name) changed while it was read (its writer still has it open); waiting for it to settle"
        case .waitingForChampion(let reason): reason
        case .model(let message): message
        case .unexpected(let type, let message): "unexpected \(type): \(message)"
        case .cancelled: "cancelled by a stop before its outcome was committed; nothing was kept"
        case .unusableBootstrap(let path, let reason):
            "the bootstrap file \(path) cannot train a first champion: \(reason). Fix the file (labelled rows of both "
                + "Revenue values, at least retrain.min-bootstrap-rows of them) or remove the bootstrap setting, then start shopperd again"
        }
    }

    /// A short tag for STATUS and the journal.
    package var category: String {
        switch self {
        case .fileSystem(let error): "file-system errno \(error.code)"
        case .store: "store"
        case .inputStillChanging: "input-changing"
        case .waitingForChampion: "waiting-for-champion"
        case .model: "model"
        case .unexpected: "unexpected"
        case .cancelled: "cancelled"
        case .unusableBootstrap: "bootstrap"
        }
    }

    /// How the drain treats this failure.
    package var failureClass: FailureClass {
        switch self {
        case .fileSystem(let error): error.isRetryable ? .transient : .unknown
        case .store(let error):
            switch error {
            case .corrupt: .fatal
            case .busy, .diskFull, .readOnly, .versionMoved, .cannotOpen: .transient
            case .database: .unknown
            case .unknownVersion, .unknownModel, .aliasNotSet, .aliasAlreadySet, .nothingToRollBack, .emptyBatch, .noStore, .rolloutRunning: .permanent
            }
        case .inputStillChanging, .waitingForChampion, .cancelled: .transient
        case .model, .unusableBootstrap: .permanent
        case .unexpected: .unknown
        }
    }

    /// Whether this is a stop cancelling the work (never a failure of the batch).
    package var isCancellation: Bool {
        if case .cancelled = self { return true }
        return false
    }

    /// The typed error for anything thrown while processing. Cancellation — Swift's
    /// `CancellationError` or training's `ForestError.cancelled` — becomes ``cancelled`` wherever it
    /// was thrown, so no layer mistakes a stop for a result.
    static func wrap(_ error: any Error) -> PipelineError {
        switch error {
        case let error as PipelineError: error
        case is CancellationError, ForestError.cancelled: .cancelled
        case let error as FileSystemError: .fileSystem(error)
        case let error as StoreError: .store(error)
        case let error as ForestError: .model("model error: \(error)")
        case let error as DriftError: .model("drift check failed: \(error)")
        default: .unexpected(type: String(describing: Swift.type(of: error)), message: String(describing: error))
        }
    }
}

/// What a failure means for the batch it hit (docs/daemon.md, "Failures").
package enum FailureClass: Sendable, Equatable {
    /// It goes away by itself or by an operator's fix elsewhere (a full disk, a locked store, a
    /// read-only mount, an input still being written): the batch is retried with its own backoff
    /// while the others go on, up to the retry ceiling.
    case transient
    /// Deterministic: the same input fails the same way every time. The batch gets its outcome now.
    case permanent
    /// Not known: retried like a transient failure, and permanent once it repeats identically.
    case unknown
    /// The store is damaged: nothing more is written, the daemon stops (exit 65).
    case fatal
}
