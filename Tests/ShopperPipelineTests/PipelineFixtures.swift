import Foundation
@testable import ShopperInbox
import Synchronization
import ShopperCore
import ShopperML
@testable import ShopperPipeline
import ShopperTestSupport

/// The bundled data, cut into batches the way the demo does, and a pipeline on real directories.
enum PipelineFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundled: [Session] = {
        try! BatchReader().read(contentsOf: repositoryRoot.appendingPathComponent("data/online_shoppers_intention.csv")).sessions
    }()

    /// Feb–Jul sessions, split deterministically into a bootstrap part and a held-back part.
    static let springSummer = bundled.filter { $0.month <= .jul }
    static let bootstrap = springSummer.enumerated().filter { $0.offset % 10 != 0 }.map(\.element)
    static let heldBack = springSummer.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
    /// Every other held-back row: ~300 rows spread over the file (which is roughly in month order,
    /// so a prefix would be a different month mix: real drift).
    static let spreadHeldBack = heldBack.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    static let november = bundled.filter { $0.month == .nov }

    static var settings: PipelineSettings {
        var settings = PipelineSettings()
        settings.training = QuickTraining.configuration
        settings.minLabelledRows = 200
        settings.minBootstrapRows = 100
        return settings
    }
}

/// Records what the pipeline reports, for assertions.
actor RecordingObserver: PipelineObserver {
    var finished: [(entry: SpoolEntry, outcome: BatchOutcome, files: [String])] = []
    var waited: [(entry: SpoolEntry, reason: String)] = []
    var retries: [(error: PipelineError, attempt: Int)] = []
    var started: [SpoolEntry] = []
    var leftPending: [SpoolEntry] = []
    /// Set at the first retry; readable synchronously (a drain's `until` closure).
    nonisolated let hasRetried = Flag(false)

    func batchStarted(_ entry: SpoolEntry) async { started.append(entry) }
    func batchLeftPending(_ entry: SpoolEntry, reason: String) async { leftPending.append(entry) }
    func batchFinished(_ entry: SpoolEntry, outcome: BatchOutcome, files: [String]) async {
        finished.append((entry, outcome, files))
    }
    func batchWaiting(_ entry: SpoolEntry, reason: String) async { waited.append((entry, reason)) }
    func retrying(_ entry: SpoolEntry?, error: PipelineError, attempt: Int, delay: Duration) async {
        retries.append((error, attempt))
        hasRetried.value = true
    }
    var decisions: [String] { finished.map(\.outcome.job.decision) }
}

/// Inbox, outbox and state directories for one pipeline.
final class PipelineDirectories: @unchecked Sendable {
    let temp: TemporaryDirectory
    let inbox: String
    let outbox: String
    let state: String

    init() throws {
        temp = try TemporaryDirectory("shopperd-pipeline")
        inbox = try temp.subdirectory("inbox")
        outbox = try temp.subdirectory("outbox")
        state = temp.file("state")
    }

    func pipeline(_ settings: PipelineSettings = PipelineFixtures.settings) async throws -> Pipeline {
        let pipeline = try Pipeline(inbox: inbox, outbox: outbox, state: state, settings: settings)
        await pipeline.setRetryDelay(.milliseconds(5), max: .milliseconds(20))
        return pipeline
    }

    /// Writes a batch into the inbox (in place; tests of renaming live with the daemon).
    func drop(_ name: String, _ sessions: [Session], labelled: Bool) throws {
        try temp.write("inbox/" + name, SessionCSV.encode(sessions, labelled: labelled))
    }

    func dropText(_ name: String, _ text: String) throws {
        try temp.write("inbox/" + name, text)
    }

    /// Claims everything in the inbox, in name order. A file some process still holds open for
    /// writing is not claimed (the writer check, docs/reliability.md), and a child process that
    /// another test spawns at the moment this one writes can inherit its descriptor: such a file is
    /// claimed again until it is free (60 s at most), so a busy test run cannot leave it behind.
    func claimAll(_ pipeline: Pipeline) async throws {
        for name in temp.entries("inbox") where name != ".shopperd" {
            let file = InboxFileName(name)!
            let deadline = ContinuousClock.now + .seconds(60)
            while try await pipeline.claim(file) == nil, !file.isIgnored, temp.entries("inbox").contains(name) {
                guard ContinuousClock.now < deadline else { throw PipelineFixtureError("\(name) could not be claimed in 60 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func outboxFiles() -> [String] { temp.entries("outbox") }

    func outboxText(_ name: String) throws -> String {
        try String(contentsOfFile: outbox + "/" + name, encoding: .utf8)
    }

    func report(_ stem: String) throws -> BatchReport {
        try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: URL(fileURLWithPath: outbox + "/" + stem + ".report.json")))
    }
}

/// A flag shared across tasks and read synchronously (a failure seam, a drain's `until` closure).
final class Flag: Sendable {
    private let state: Mutex<Bool>
    init(_ value: Bool) { state = Mutex(value) }
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

struct PipelineFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
