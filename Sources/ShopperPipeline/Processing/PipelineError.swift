import ShopperDrift
import ShopperML
import ShopperStore

/// Why a batch could not be finished now. None of these loses the batch: it stays in the spool and
/// is tried again (with backoff) or when what it waits for arrives. Input problems are not errors
/// here; they are outcomes (`rejected.json`).
public enum PipelineError: Error, Sendable, CustomStringConvertible {
    /// Reading or writing a file failed (disk full, read-only, permissions…).
    case fileSystem(FileSystemError)
    /// The store refused (busy beyond the timeout, disk full, corrupt…).
    case store(StoreError)
    /// The input changed while it was read: its writer still has it open.
    case inputStillChanging(String)
    /// There is no champion yet and this batch cannot train one.
    case waitingForChampion(String)
    /// Training, scoring or drift testing failed for a reason that is not the input's fault.
    case model(String)

    public var description: String {
        switch self {
        case .fileSystem(let error): error.description
        case .store(let error): error.description
        case .inputStillChanging(let name): "\(name) changed while it was read (its writer still has it open); waiting for it to settle"
        case .waitingForChampion(let reason): reason
        case .model(let message): message
        }
    }

    /// A short tag for STATUS and the journal.
    public var category: String {
        switch self {
        case .fileSystem(let error): "file-system errno \(error.code)"
        case .store: "store"
        case .inputStillChanging: "input-changing"
        case .waitingForChampion: "waiting-for-champion"
        case .model: "model"
        }
    }

    static func wrap(_ error: any Error) -> PipelineError {
        switch error {
        case let error as PipelineError: error
        case let error as FileSystemError: .fileSystem(error)
        case let error as StoreError: .store(error)
        case let error as ForestError: .model("model error: \(error)")
        case let error as DriftError: .model("drift check failed: \(error)")
        default: .model(String(describing: error))
        }
    }
}
