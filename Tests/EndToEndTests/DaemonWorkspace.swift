import Foundation
import ShopperPipeline
import ShopperStore
import Synchronization
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

/// A daemon's directories for one test — `inbox/`, `outbox/`, `state/` in a fresh temporary
/// directory — and the operator's actions on them: drop batches, start `shopperd run`, read the
/// outbox, the archive, the quarantine and the store.
final class DaemonWorkspace: @unchecked Sendable {  // immutable after init
    let scratch: TemporaryDirectory
    var root: String { scratch.url.path }
    var inbox: String { scratch.file("inbox") }
    var outbox: String { scratch.file("outbox") }
    var state: String { scratch.file("state") }

    /// Settings that keep training fast in a debug build (one tuning candidate, 20 trees) and let a
    /// 300-row drifted batch retrain.
    static let quickSettings = [
        "--set", "training.grid=quick", "--set", "training.trees=20", "--set", "retrain.min-labelled-rows=100",
    ]

    /// Settings that make a retrain take minutes (the full grid, 14 fits, of 300 trees): a drifted,
    /// labelled batch is then still in flight, its challenger training, when a test stops the
    /// daemon or watches it get stuck. Training is cancellable, so a stop ends it.
    static let slowTraining = ["--set", "retrain.tuning=full", "--set", "training.grid=standard", "--set", "training.trees=300"]

    /// Empty directories and an empty state: no champion.
    init() throws {
        scratch = try TemporaryDirectory("shopperd-e2e")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
    }

    /// A state with champion v1 trained from ``DaemonBatches/bootstrap`` (store version 1), copied
    /// from a template the real binary bootstrapped once for the whole test run.
    static func bootstrapped() async throws -> DaemonWorkspace {
        let template = try await BootstrappedTemplate.shared.value
        let workspace = try DaemonWorkspace()
        try FileManager.default.copyItem(atPath: template, toPath: workspace.state)
        return workspace
    }

    /// The `shopperd run` arguments for these directories: quick training, events as JSON lines on
    /// stderr unless another `logTarget` is asked for.
    func runArguments(_ extra: [String] = [], logTarget: String = "stderr") -> [String] {
        ["run", "--inbox", inbox, "--outbox", outbox, "--state", state, "--log-target", logTarget] + Self.quickSettings + extra
    }

    /// Starts `shopperd run` on these directories and (logging to stderr) waits until it watches
    /// the inbox.
    func start(_ extra: [String] = [], environment: [String: String] = [:], logTarget: String = "stderr") async throws -> DaemonProcess {
        let daemon = try DaemonProcess(arguments: runArguments(extra, logTarget: logTarget), environment: environment, directory: root)
        if logTarget == "stderr" { try await daemon.waitUntilStarted() }
        return daemon
    }

    /// `shopperd run --once …` to completion.
    func runOnce(_ extra: [String] = [], environment: [String: String] = [:]) async throws -> DaemonProcess {
        let daemon = try DaemonProcess(arguments: runArguments(["--once"] + extra), environment: environment, directory: root)
        _ = await daemon.exitStatus(timeout: .seconds(120))
        return daemon
    }

    // MARK: - Dropping batches

    /// The safe way to deliver: written under a hidden name, then renamed in (`IN_MOVED_TO`).
    func deliver(_ contents: String, as name: String) throws {
        let hidden = inbox + "/.incoming-" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: hidden))
        try rename(".incoming-" + name, to: name)
    }

    /// Writes a file straight into the inbox under `name`: one open, write, close (`IN_CLOSE_WRITE`),
    /// no temporary name (Foundation's `createFile` would write atomically through a rename).
    func write(_ contents: String, as name: String) throws {
        let fd = try open(name)
        defer { close(fd) }
        try append(contents, to: fd)
    }

    /// Creates (or truncates) `name` in the inbox and returns the open descriptor: the file stays
    /// "being written" until it is closed.
    func open(_ name: String) throws -> Int32 {
        let fd = Glibc.open(inbox + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DaemonTestError("open \(name): errno \(errno)") }
        return fd
    }

    func append(_ contents: String, to fd: Int32) throws {
        try append(Array(contents.utf8), to: fd)
    }

    func append(_ bytes: [UInt8], to fd: Int32) throws {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw DaemonTestError("short write: errno \(errno)") }
    }

    /// Writes an executable script (close-on-exec: a child forked meanwhile by another test must not
    /// keep it open for writing, or running it fails with ETXTBSY).
    func writeScript(_ name: String, _ text: String) throws -> String {
        let path = root + "/" + name
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw DaemonTestError("open \(path): errno \(errno)") }
        defer { close(fd) }
        try append(text, to: fd)
        return path
    }

    /// Renames an inbox entry (as `mv` does).
    func rename(_ from: String, to: String) throws {
        guard Glibc.rename(inbox + "/" + from, inbox + "/" + to) == 0 else {
            throw DaemonTestError("rename \(from) → \(to): errno \(errno)")
        }
    }

    /// Sets an inbox file's modification time (seconds since the epoch).
    func setModificationTime(_ name: String, seconds: Int) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        guard utimensat(AT_FDCWD, inbox + "/" + name, &times, 0) == 0 else {
            throw DaemonTestError("utimensat \(name): errno \(errno)")
        }
    }

    // MARK: - Reading results

    /// Names in a directory (without `.`/`..`), sorted; empty when it does not exist.
    static func list(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    var outboxFiles: [String] { Self.list(outbox) }
    /// What the operator sees in the inbox (the daemon's `.shopperd` bookkeeping aside).
    var inboxFiles: [String] { Self.list(inbox).filter { $0 != ".shopperd" } }
    /// Claimed entries not yet finished (`ID.data` / `ID.name` pairs).
    var claimedFiles: [String] { Self.list(inbox + "/.shopperd/claimed") }
    var archiveFiles: [String] { Self.list(state + "/archive") }
    var quarantineFiles: [String] { Self.list(state + "/quarantine") }

    func exists(_ outboxFile: String) -> Bool {
        FileManager.default.fileExists(atPath: outbox + "/" + outboxFile)
    }

    /// Whether `stem` has its outcome in the outbox (report or rejection).
    func hasOutcome(_ stem: String) -> Bool {
        exists(stem + ".report.json") || exists(stem + ".rejected.json")
    }

    /// Waits until `stem` has its outcome.
    func waitForOutcome(_ stem: String, timeout: Duration = .seconds(90)) async -> Bool {
        await eventually(timeout: timeout) { hasOutcome(stem) }
    }

    func report(_ stem: String) throws -> BatchReport {
        try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: URL(fileURLWithPath: outbox + "/" + stem + ".report.json")))
    }

    func rejection(_ stem: String) throws -> RejectionReport {
        try JSONDecoder().decode(RejectionReport.self, from: Data(contentsOf: URL(fileURLWithPath: outbox + "/" + stem + ".rejected.json")))
    }

    /// `NAME.predictions.csv` as rows of cells, header first.
    func predictions(_ stem: String) throws -> [[String]] {
        try String(contentsOfFile: outbox + "/" + stem + ".predictions.csv", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The store, opened in-process (read it after the daemon has stopped, or for reads only).
    func store() throws -> ShopperStore {
        try ShopperStore.open(directory: URL(fileURLWithPath: state))
    }

    /// `shopperd models list --format json` on this state, decoded.
    func models() async throws -> [ListedModel] {
        let outcome = try await DaemonProcess.run(["models", "list", "--state", state, "--format", "json"])
        guard outcome.status == 0 else { throw DaemonTestError("models list failed: \(outcome.stderr)") }
        return try JSONDecoder().decode([ListedModel].self, from: Data(outcome.stdout.utf8))
    }

    /// `shopperd models history --format json` on this state, decoded.
    func aliasHistory() async throws -> [AliasChange] {
        let outcome = try await DaemonProcess.run(["models", "history", "--state", state, "--format", "json"])
        guard outcome.status == 0 else { throw DaemonTestError("models history failed: \(outcome.stderr)") }
        return try JSONDecoder().decode([AliasChange].self, from: Data(outcome.stdout.utf8))
    }


    struct ListedModel: Decodable {
        var version: Int
        var aliases: [String]
        var training_store_version: Int
        var training_rows: Int
    }

    struct AliasChange: Decodable {
        var alias: String
        var action: String
        var from_version: Int?
        var to_version: Int?
        var reason: String
    }
}

/// The bootstrapped state every ``DaemonWorkspace/bootstrapped()`` copies: made once per test
/// process by the real binary (`shopperd run --once --bootstrap FILE` on an empty inbox), removed
/// when the test process exits.
enum BootstrappedTemplate {
    static let shared = Task<String, any Error> {
        let workspace = try DaemonWorkspace()
        let bootstrap = workspace.scratch.file("bootstrap.csv")
        try Data(DaemonBatches.bootstrap.utf8).write(to: URL(fileURLWithPath: bootstrap))
        let run = try await workspace.runOnce(["--bootstrap", bootstrap])
        guard await run.exitStatus() == 0, run.events("model-promoted").first?["MODEL_VERSION"] == "v1" else {
            throw DaemonTestError("bootstrapping the template state failed:\n\(run.stderr)")
        }
        // Keep the directory for the whole test run; remove it at exit.
        let path = workspace.root
        keep.withLock { $0.append(workspace) }
        templatePath.withLock { $0 = path }
        atexit {
            if let path = BootstrappedTemplate.templatePath.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
        return workspace.state
    }

    private static let keep = Mutex<[DaemonWorkspace]>([])
    fileprivate static let templatePath = Mutex<String?>(nil)
}
