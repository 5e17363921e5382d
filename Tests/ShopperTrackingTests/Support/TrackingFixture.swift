import Foundation
import ShopperCore
import ShopperStore

/// A real store in a fresh temporary directory, filled the way shopperd fills it: batches of the
/// bundled data ingested through `ShopperStore`, models trained and registered, aliases moved and
/// jobs recorded by the `shopperd-mlflow-fixture` executable (real training, real drift checks).
final class TrackingFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundled = repositoryRoot.appendingPathComponent("data/online_shoppers_intention.csv")

    /// The fixture executable, built next to the test bundle by `swift build --build-tests`.
    static let executable: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("shopperd-mlflow-fixture")

    let directory: URL
    let store: ShopperStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-tracking-\(UUID().uuidString)")
        store = try ShopperStore.open(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Ingests up to `limit` rows of the bundled data from `months` as one batch; returns its version.
    @discardableResult
    func ingest(months: Set<String>, limit: Int, name: String) throws -> Int {
        let text = try String(contentsOf: Self.bundled, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst()
        let monthIndex = header.split(separator: ",").firstIndex(of: "Month")!
        let chosen = lines.filter { months.contains(String($0.split(separator: ",")[monthIndex])) }.prefix(limit)
        let csv = ([header] + chosen).joined(separator: "\n") + "\n"
        let batch = try BatchReader().read(bytes: Array(csv.utf8), fileName: name)
        return try store.ingest(batch, receivedAt: Date()).version.version
    }

    /// Runs the fixture executable; returns its JSON output. Waits without blocking a thread of
    /// the test's executor (other suites' timing tests run next to it on two cores).
    @discardableResult
    func run(_ command: String, _ options: [String: String]) async throws -> [String: Any] {
        let output = directory.appendingPathComponent("fixture-\(UUID().uuidString).out")
        let errors = directory.appendingPathComponent("fixture-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [command, "--state", directory.path] + options.sorted { $0.key < $1.key }.flatMap { ["--\($0.key)", $0.value] }
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
        guard status == 0 else { throw FixtureFailed(message: (try? String(contentsOf: errors, encoding: .utf8)) ?? "") }
        return (try JSONSerialization.jsonObject(with: try Data(contentsOf: output)) as? [String: Any]) ?? [:]
    }

    struct FixtureFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { "shopperd-mlflow-fixture failed: \(message)" }
    }

    /// A small store: a Feb–Jul training batch, a champion trained on it, and two checked batches
    /// (Aug, Nov), the second of which retrains and promotes model 2.
    static func standard() async throws -> TrackingFixture {
        let fixture = try TrackingFixture()
        try fixture.ingest(months: ["Feb", "Mar", "May", "June", "Jul"], limit: 1_200, name: "train.csv")
        try fixture.ingest(months: ["Aug"], limit: 150, name: "aug.csv")
        try fixture.ingest(months: ["Nov"], limit: 150, name: "nov.csv")
        try await fixture.run("train", ["through": "1", "trees": "12"])
        try await fixture.run("promote", ["version": "1", "reason": "first champion"])
        try await fixture.run("job", ["id": "000001", "batch": "2", "model": "1", "decision": "score"])
        try await fixture.run("job", ["id": "000002", "batch": "3", "model": "1", "decision": "retrain-promoted"])
        try await fixture.run("train", ["through": "3", "trees": "12", "seed": "7"])
        try await fixture.run("promote", ["version": "2", "reason": "challenger beat champion"])
        return fixture
    }
}
