import Foundation
import ShopperStore

/// A real store in a fresh temporary directory, filled by the real `shopperd` binary as in
/// production: the daemon's pipeline (`shopperd run --once`) trains the first champion from a
/// bootstrap file, drift-checks batches, retrains, tries and promotes challengers; `shopperd
/// train` and `shopperd models promote|rollback` do what operators do by hand.
final class TrackingFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundled = repositoryRoot.appendingPathComponent("data/online_shoppers_intention.csv")

    /// The `shopperd` binary: built next to the test bundle by `swift build --build-tests`
    /// (`SHOPPERD_BINARY` overrides it, as for EndToEndTests).
    static let executable: URL = {
        if let override = ProcessInfo.processInfo.environment["SHOPPERD_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("shopperd")
    }()

    /// Small, fast training (12 trees, one tuning candidate: depth 12, leaf 5, sqrt features) with
    /// seed 7; drift with 100 labelled rows retrains, and a challenger is always promoted (the
    /// scenarios must not depend on which small forest wins).
    static let daemonSettings = [
        "training.trees": "12", "training.seed": "7", "training.grid": "quick",
        "retrain.min-labelled-rows": "100", "retrain.tolerance": "1",
    ]

    let directory: URL
    let store: ShopperStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-tracking-\(UUID().uuidString)")
        store = try ShopperStore.open(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Up to `limit` rows of the bundled data from `months` as a CSV file (without the `Revenue`
    /// column when not `labelled`).
    func batch(_ name: String, months: Set<String>, limit: Int, labelled: Bool) throws -> URL {
        let text = try String(contentsOf: Self.bundled, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines.removeFirst()
        let month = header.firstIndex(of: "Month")!
        let label = header.firstIndex(of: "Revenue")!
        let rows = [header] + lines.filter { months.contains(String($0[month])) }.prefix(limit)
        let csv = rows.map { fields in
            fields.enumerated().filter { labelled || $0.offset != label }.map(\.element).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        let url = directory.appendingPathComponent(name)
        try Data(csv.utf8).write(to: url)
        return url
    }

    /// Drops `batch` into the inbox and runs the daemon's pipeline once (`shopperd run --once`).
    func process(_ batch: URL, bootstrap: URL? = nil) async throws {
        let inbox = directory.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: batch, to: inbox.appendingPathComponent(batch.lastPathComponent))
        var arguments = ["run", "--once", "--inbox", inbox.path, "--outbox", directory.appendingPathComponent("outbox").path,
                         "--log-target", "stderr"]
        if let bootstrap { arguments += ["--bootstrap", bootstrap.path] }
        arguments += Self.daemonSettings.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
        try await shopperd(arguments)
    }

    /// The job that processed store version `batch`.
    func jobID(batch: Int) throws -> String {
        guard let job = try store.jobs(batchVersion: batch).last else { throw FixtureFailed(message: "no job for batch \(batch)") }
        return job.id
    }

    /// Runs `shopperd arguments… --state DIR` to completion; returns its standard output. Waits
    /// without blocking a thread of the test's executor (other suites' timing tests run next to
    /// it on two cores).
    @discardableResult
    func shopperd(_ arguments: [String]) async throws -> String {
        let output = directory.appendingPathComponent("shopperd-\(UUID().uuidString).out")
        let errors = directory.appendingPathComponent("shopperd-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--state", directory.path]
        var environment = ProcessInfo.processInfo.environment
        environment["MLFLOW_TRACKING_URI"] = nil  // these scenarios never mirror by themselves
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            throw FixtureFailed(message: "shopperd \(arguments.joined(separator: " ")) exited \(status): "
                + ((try? String(contentsOf: errors, encoding: .utf8)) ?? ""))
        }
        return try String(contentsOf: output, encoding: .utf8)
    }

    struct FixtureFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A small store made by the daemon's pipeline: champion 1 trained from a Feb–Jul bootstrap
    /// file (store version 1); an unlabelled Aug batch (version 2: drift, no labels to retrain
    /// with); a labelled Nov batch (version 3: drift, challenger 2 trained, tried, promoted, the
    /// challenger alias removed). 2 models, 4 alias changes, 2 drift-checked jobs.
    static func standard() async throws -> TrackingFixture {
        let fixture = try TrackingFixture()
        let bootstrap = try fixture.batch("train.csv", months: ["Feb", "Mar", "May", "June", "Jul"], limit: 1_200, labelled: true)
        try await fixture.process(try fixture.batch("aug.csv", months: ["Aug"], limit: 150, labelled: false), bootstrap: bootstrap)
        try await fixture.process(try fixture.batch("nov.csv", months: ["Nov"], limit: 150, labelled: true))
        return fixture
    }
}
