import Foundation
import GRDB
import ShopperCore
import ShopperIO

/// The versioned store: one SQLite database, `<state>/shopperd.sqlite`, in WAL mode.
///
/// Holds the medallion layers (bronze, silver, gold, quarantined rows), one version per accepted
/// batch, readable as of any version; and the model registry, predictions and per-batch
/// performance. Every write is one SQLite transaction, so a crash or `kill -9` at any moment leaves
/// the store at the last committed version (SQLite's WAL recovery on the next open).
///
/// Thread-safe (`Sendable`): GRDB's pool serialises writes and lets reads run concurrently on
/// snapshots. All operations are synchronous; call them off latency-sensitive actors.
package final class ShopperStore: Sendable {
    /// The database file's name inside the state directory.
    package static let fileName = "shopperd.sqlite"

    /// The database file.
    package let path: String
    let pool: DatabasePool
    /// How long a write waits for another process's write lock before failing with ``StoreError/busy(path:timeoutSeconds:)``.
    let busyTimeoutSeconds: Int

    private init(path: String, pool: DatabasePool, busyTimeoutSeconds: Int) {
        self.path = path
        self.pool = pool
        self.busyTimeoutSeconds = busyTimeoutSeconds
    }

    /// Whether opening may create the store.
    package enum OpenMode: Sendable {
        /// Create the directory and an empty store when there is none (ingest, the daemon).
        case create
        /// The store must already exist; nothing is created, not even the directory. For every
        /// command that reads (status, versions, show, models, score, …): a mistyped `--state`
        /// must say so (``StoreError/noStore(path:)``), not leave an empty store behind that later
        /// reads as "0 versions".
        case existing
        /// Like `existing`, and the connection is opened read-only (`SQLITE_OPEN_READONLY`): SQLite
        /// itself refuses every write, and no migration runs; a store whose schema is older than
        /// this binary's is refused (the daemon migrates it when it next starts). For `shopperd serve`.
        case readOnly
    }

    /// Opens the store in `directory`, and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - mode: whether a missing store is created or is an error.
    ///   - busyTimeout: how long a write waits for another process's write (a CLI ingest while the
    ///     daemon ingests) before failing.
    package static func open(directory: URL, mode: OpenMode = .create, busyTimeout: Duration = .seconds(60)) throws(StoreError) -> ShopperStore {
        let path = directory.appendingPathComponent(fileName).path
        switch mode {
        case .create:
            try Self.createDirectory(directory.path)
        case .existing, .readOnly:
            var info = stat()
            guard stat(path, &info) == 0 else { throw .noStore(path: path) }
        }
        var configuration = Configuration()
        configuration.readonly = mode == .readOnly
        let timeoutSeconds = Int(busyTimeout.components.seconds)
        configuration.busyMode = .timeout(TimeInterval(timeoutSeconds))
        // GRDB's serial queues default to user-initiated QoS, whose libdispatch worker threads on
        // Linux ask for nice -2 (setpriority), which a service without CAP_SYS_NICE is refused:
        // "Failed to set thread priority for worker thread … errno=13" on every start.
        configuration.qos = .default
        configuration.prepareDatabase { db in
            // synchronous=FULL: every commit fsyncs the WAL before it returns. The daemon writes
            // the outbox and files the input away only after a batch's commit, so the commit must
            // survive a power cut, not just a process crash (NORMAL under WAL could lose the last
            // commits while their outbox files survive). It costs one fsync per batch.
            // page_size applies to a new database only (it runs before WAL is set up): 8 KB pages
            // ingest a million rows ~4 % faster than 4 KB. A 16 MB cache per connection costs ~3 %
            // of ingest time against 64 MB and saves 45 MB of RSS in a long-running daemon.
            if mode == .readOnly {
                try db.execute(sql: "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;")
                return
            }
            try db.execute(sql: """
                PRAGMA page_size = 8192;
                PRAGMA synchronous = FULL;
                PRAGMA cache_size = -16384;
                PRAGMA temp_store = MEMORY;
                PRAGMA journal_size_limit = 67108864;
                """)
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if mode == .readOnly {
                guard try pool.read({ try Schema.migrator.hasCompletedMigrations($0) }) else {
                    throw StoreError.cannotOpen(path: path, reason: "its schema is older than this shopperd's: start the daemon (or run any other shopperd command on it) once to migrate it")
                }
            } else {
                try Schema.migrator.migrate(pool)
            }
            return ShopperStore(path: path, pool: pool, busyTimeoutSeconds: timeoutSeconds)
        } catch let error as StoreError {
            throw error
        } catch {
            // A damaged file is reported as such (and left alone), and so is a lock another process
            // holds (transient: the caller tries again later); anything else is "cannot open".
            if let classified = StoreError(error, path: path, busyTimeoutSeconds: timeoutSeconds) {
                if classified.isCorruption { throw classified }
                if case .busy = classified { throw classified }
            }
            throw .cannotOpen(path: path, reason: String(describing: error))
        }
    }

    /// Gives back the memory SQLite holds for speed: the writer's page cache, and the reader
    /// connections (closed; reopened on demand). For a daemon going idle; waits for accesses in
    /// progress to end.
    package func releaseMemory() {
        pool.releaseMemory()
    }

    /// `mkdir -p`, with the system's reason when it fails (Foundation's message hides it).
    private static func createDirectory(_ path: String) throws(StoreError) {
        do {
            try Directory.createAll(path, mode: 0o755)
        } catch {
            if error.code == ENOTDIR { throw .cannotOpen(path: error.path, reason: "it exists and is not a directory") }
            throw .cannotOpen(path: error.path, reason: "cannot create the directory: \(ErrnoText.message(error.code))")
        }
    }

    /// Runs a read on a consistent snapshot, mapping database errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, path: path, busyTimeoutSeconds: busyTimeoutSeconds) ?? .database(String(describing: error))
        }
    }

    /// Runs one write transaction (committed when `body` returns, rolled back if it throws).
    ///
    /// IMMEDIATE: the write lock is taken up front, so a transaction that reads before it writes
    /// (the content-hash check) cannot fail half-way with SQLITE_BUSY when another process (a CLI
    /// ingest next to the daemon) writes meanwhile; it waits up to the busy timeout instead.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, path: path, busyTimeoutSeconds: busyTimeoutSeconds) ?? .database(String(describing: error))
        }
    }
}

extension StoreError {
    /// The SQLite conditions an operator can act on, named with the database's path; nil for the
    /// rest (reported as ``StoreError/database(_:)`` with SQLite's own message).
    init?(_ error: any Error, path: String, busyTimeoutSeconds: Int) {
        guard let error = error as? DatabaseError else { return nil }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        // SQLITE_LOCKED (a conflict inside this process) and SQLITE_CANTOPEN (also out of file
        // descriptors, or a directory gone) are not what these messages say: SQLite's own words.
        case .SQLITE_BUSY: self = .busy(path: path, timeoutSeconds: busyTimeoutSeconds)
        case .SQLITE_FULL: self = .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM: self = .readOnly(path: path, detail: detail)
        case .SQLITE_CANTOPEN:
            self = .database("cannot open \(path) (SQLite: \(detail)): check that the state directory exists and is "
                + "writable by this user, and that the process has file descriptors left (ulimit -n)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .corrupt(path: path, detail: detail)
        default: return nil
        }
    }
}
