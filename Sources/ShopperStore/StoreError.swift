/// Why a store operation failed, with what to do about it.
package enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The state directory or database could not be created or opened.
    case cannotOpen(path: String, reason: String)
    /// A command that reads found no store at the path: nothing was created.
    case noStore(path: String)
    /// A promotion to the version the alias already names: nothing changed, nothing recorded.
    case aliasAlreadySet(ModelAlias, version: Int)
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
    /// Another process held the store's write lock for longer than the busy timeout. Transient:
    /// whoever retries (the daemon) tries again later.
    case busy(path: String, timeoutSeconds: Int)
    /// The file system holding the store is full (SQLITE_FULL). Transient once space is freed.
    case diskFull(path: String)
    /// The store cannot be written (SQLITE_READONLY, SQLITE_PERM): a read-only mount or a file the
    /// process may not write. Transient once it is fixed.
    case readOnly(path: String, detail: String)
    /// The database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB). Never transient, and never
    /// "repaired" by replacing the file: the operator decides (restore a backup, or move it aside).
    case corrupt(path: String, detail: String)
    /// A rollout was started while another one runs.
    case rolloutRunning(id: Int)
    /// SQLite said no for another reason (an I/O error, a constraint…).
    case database(String)

    package var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the store at \(path): \(reason). Check the --state directory exists and is writable."
        case .noStore(let path):
            "no store at \(path): nothing was created. Check --state (the daemon's is /var/lib/shopperd under systemd), "
                + "or ingest a batch first (`shopperd ingest FILE --state DIR`)"
        case .aliasAlreadySet(let alias, let version):
            "\(alias.rawValue) is already version \(version): nothing changed (see `shopperd models history`)"
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
        case .busy(let path, let timeout):
            "the store \(path) is locked: another process (a second shopperd, `shopperd ingest`, sqlite3, a backup tool) "
                + "held its write lock for more than \(timeout) s; nothing was written. Let that process finish, or stop it"
        case .diskFull(let path):
            "the file system holding the store \(path) is full (SQLite: database or disk is full); nothing was written. "
                + "Free space there (df \(path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."))"
        case .readOnly(let path, let detail):
            "the store \(path) cannot be written (SQLite: \(detail)); nothing was written. Its file system is read-only "
                + "or the files are not writable: remount it read-write, or fix the owner and permissions of the state directory"
        case .corrupt(let path, let detail):
            "the store \(path) is corrupt (SQLite: \(detail)). shopperd will not use it, repair it, replace it or create "
                + "a new one: the file is left as it is. Keep a copy for inspection (sqlite3 \(path) 'PRAGMA integrity_check'), "
                + "then restore the state directory from a backup, or move the database aside to start an empty store, "
                + "and start shopperd again"
        case .rolloutRunning(let id):
            "rollout \(id) is running: one rollout at a time (see `shopperd rollout status`; end it with `shopperd rollout stop`)"
        case .database(let message):
            "store error: \(message)"
        }
    }

    /// The database file is damaged: carrying on (or retrying) cannot help.
    package var isCorruption: Bool {
        if case .corrupt = self { return true }
        return false
    }
}
