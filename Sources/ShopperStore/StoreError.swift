/// Why a store operation failed, with what to do about it.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The state directory or database could not be created or opened.
    case cannotOpen(path: String, reason: String)
    /// A version was asked for that the store does not have.
    case unknownVersion(Int, current: Int)
    /// A model version the registry does not have.
    case unknownModel(Int)
    /// An alias that points nowhere.
    case aliasNotSet(ModelAlias)
    /// A rollback with no earlier model to return to.
    case nothingToRollBack(ModelAlias)
    /// A batch without a single valid row cannot be a version.
    case emptyBatch(file: String)
    /// Another process added a version while a batch was being prepared against an older one;
    /// nothing was written, and the batch is prepared again against the new version.
    case versionMoved(expected: Int, found: Int)
    /// SQLite said no (disk full, locked for too long, corrupt file…).
    case database(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the store at \(path): \(reason). Check the --state directory exists and is writable."
        case .unknownVersion(let version, let current):
            current == 0
                ? "store version \(version) does not exist: the store is empty (ingest a batch first)"
                : "store version \(version) does not exist: versions run from 1 to \(current)"
        case .unknownModel(let version):
            "model version \(version) does not exist (see `shopperd models list`)"
        case .aliasNotSet(let alias):
            "no model is \(alias.rawValue) yet (train one, or promote a version with `shopperd models promote V`)"
        case .nothingToRollBack(let alias):
            "\(alias.rawValue) has no earlier model to roll back to"
        case .emptyBatch(let file):
            "\(file) has no valid rows: nothing to store"
        case .versionMoved(let expected, let found):
            "the store moved from version \(expected) to \(found) while this batch was prepared (another process ingested); nothing was written, it will be processed again"
        case .database(let message):
            "store error: \(message)"
        }
    }
}
