import Foundation
@testable import ShopperIO
import Synchronization
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline
#if canImport(Glibc)
import Glibc
#endif

/// The drain's rule: a transient failure retries that batch with its own backoff
/// while the others go on, up to a ceiling; a permanent one gives the batch its outcome at once; an
/// unknown one that repeats identically is permanent; a stop leaves the batch pending, untouched.
/// The failures are injected with the pipeline's `beforeProcessing` seam, on real directories and
/// a real store.
@Suite(.serialized) struct DrainFailureTests {
    /// A pipeline with a champion (trained from a first labelled batch) and the given failure for
    /// batches whose name starts with `failing`.
    static func pipeline(_ dirs: PipelineDirectories, failure: @escaping @Sendable (Int) -> (any Error)?) async throws -> Pipeline {
        let pipeline = try await dirs.pipeline()
        try dirs.drop("0-first.csv", Array(PipelineFixtures.bootstrap.prefix(600)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: RecordingObserver())
        let attempts = Attempts()
        await pipeline.setBeforeProcessing { entry in
            guard entry.name.description.hasPrefix("failing") else { return }
            if let error = failure(attempts.next()) { throw error }
        }
        return pipeline
    }

    static let eio = FileSystemError("read", path: "/inbox/.shopperd/claimed/x.data", code: EIO)

    @Test func aBatchThatFailsTransientlyNeverHoldsUpTheOnesBehindIt() async throws {
        let dirs = try PipelineDirectories()
        let failing = Flag(true)
        let pipeline = try await Self.pipeline(dirs) { _ in failing.value ? Self.eio : nil }
        await pipeline.setRetryDelay(.milliseconds(200), max: .milliseconds(400))
        try dirs.drop("failing.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try dirs.drop("later-1.csv", Array(PipelineFixtures.heldBack.dropFirst(100).prefix(100)), labelled: false)
        try dirs.drop("later-2.csv", Array(PipelineFixtures.heldBack.dropFirst(200).prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        // As the daemon's loop drains: return when nothing is due, come back at `nextRetry`.
        try await pipeline.drain(observer: observer, patience: 0)
        #expect(await observer.finished.map(\.entry.name.description) == ["later-1.csv", "later-2.csv"])
        #expect(await !observer.retries.isEmpty)
        #expect(await pipeline.retryingCount == 1)
        #expect(await pipeline.nextRetry != nil)
        #expect(try await pipeline.pending().map(\.name.description) == ["failing.csv"])

        // Two more failures, with a growing delay, then the fault clears: one outcome.
        try await pipeline.drain(observer: observer, patience: 3)
        let attempts = await observer.retries.map(\.attempt)
        #expect(attempts.count >= 3 && attempts == Array(1...attempts.count), "\(attempts)")
        #expect(await observer.finished.count == 2)
        failing.value = false
        try await pipeline.drain(observer: observer)
        #expect(await observer.finished.map(\.entry.name.description) == ["later-1.csv", "later-2.csv", "failing.csv"])
        #expect(await pipeline.retryingCount == 0)
        #expect(await pipeline.nextRetry == nil)
        #expect(try pipeline.store.jobs().count == 4)
    }

    @Test func retriesPastTheCeilingGiveTheBatchAFinalOutcomeThatSaysWhatFailed() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await Self.pipeline(dirs) { _ in Self.eio }
        var policy = await pipeline.retryPolicy
        policy.limit = .milliseconds(300)
        await pipeline.setRetryPolicy(policy)
        try dirs.drop("failing.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)

        // Says what happened when it fails (seen once, under heavy load, in a full run).
        let story = "finished: \(await observer.finished.map { ($0.entry.name.description, $0.outcome.job.outcome.rawValue) }), "
            + "waited: \(await observer.waited.map(\.reason)), retries: \(await observer.retries.map { "\($0.attempt): \($0.error)" }), "
            + "left pending: \(await observer.leftPending.count)"
        let rejection = try #require(await observer.finished.first?.outcome.rejection, "\(story)")
        for words in ["failing.csv could not be processed for", "retry-limit-seconds", "Input/output error", "drop the file again"] {
            #expect(rejection.reason.contains(words), "\(rejection.reason)")
        }
        #expect(await !observer.retries.isEmpty)
        #expect(dirs.outboxFiles().contains("failing.rejected.json"))
        #expect(dirs.temp.entries("state/quarantine").count == 1 && dirs.temp.entries("inbox/.shopperd/claimed").isEmpty)
    }

    @Test func aDeterministicFailureGivesTheBatchItsOutcomeAtOnce() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await Self.pipeline(dirs) { _ in ForestError.invalidTrainingData("all 80 rows have the same label") }
        try dirs.drop("failing.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try dirs.drop("later.csv", Array(PipelineFixtures.heldBack.dropFirst(100).prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer, patience: 0)
        #expect(await observer.retries.isEmpty)
        #expect(await observer.finished.map(\.entry.name.description) == ["failing.csv", "later.csv"])
        #expect(await observer.decisions.first == "reject")
        let reason = try #require(await observer.finished.first?.outcome.rejection?.reason)
        #expect(reason.contains("failing.csv cannot be processed: model error: cannot train on this data: all 80 rows have the same label"))
        #expect(reason.contains("deterministic"))
        #expect(try await pipeline.pending().isEmpty)
    }

    @Test func anUnknownErrorThatRepeatsIdenticallyBecomesPermanent() async throws {
        struct Mystery: Error, CustomStringConvertible { var description: String { "the mystery failure" } }
        let dirs = try PipelineDirectories()
        let pipeline = try await Self.pipeline(dirs) { _ in Mystery() }
        try dirs.drop("failing.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)
        #expect(await observer.retries.map(\.attempt) == [1, 2])
        let reason = try #require(await observer.finished.first?.outcome.rejection?.reason)
        #expect(reason.contains("failing.csv failed 3 times in a row with the same error: unexpected Mystery: the mystery failure"), "\(reason)")
    }

    @Test func aStopLeavesTheBatchPendingWithNothingCommittedAndNoRetry() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await Self.pipeline(dirs) { _ in nil }
        await pipeline.setBeforeProcessing { _ in try await Task.sleep(for: .seconds(86_400)) }
        try dirs.drop("stopped.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        let drain = Task { try await pipeline.drain(observer: observer) }
        #expect(await waitFor { await observer.started.count == 1 })
        drain.cancel()
        await #expect(throws: CancellationError.self) { try await drain.value }
        #expect(await observer.leftPending.map(\.name.description) == ["stopped.csv"])
        #expect(await observer.retries.isEmpty)
        #expect(await observer.finished.isEmpty)
        #expect(try await pipeline.pending().map(\.name.description) == ["stopped.csv"])
        #expect(try pipeline.store.jobs().count == 1)  // the first batch's only
    }

    /// A transient failure while the daemon is stopping is not announced as "retrying in N ms":
    /// this process will not retry it. The batch is left pending for the next start.
    @Test func aFailureWhileStoppingLeavesTheBatchPendingInsteadOfAnnouncingARetry() async throws {
        let dirs = try PipelineDirectories()
        let stopping = Flag(false)
        let pipeline = try await Self.pipeline(dirs) { _ in
            stopping.value = true  // the stop arrives while the batch is in progress
            return Self.eio
        }
        try dirs.drop("failing.csv", Array(PipelineFixtures.heldBack.prefix(100)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer, until: { stopping.value })
        #expect(await observer.retries.isEmpty)
        #expect(await observer.leftPending.map(\.name.description) == ["failing.csv"])
        #expect(try await pipeline.pending().map(\.name.description) == ["failing.csv"])
    }

    @Test func cancellationIsTypedWhereverItIsThrown() {
        #expect(PipelineError.wrap(ForestError.cancelled).isCancellation)
        #expect(PipelineError.wrap(CancellationError()).isCancellation)
        #expect(!PipelineError.wrap(ForestError.invalidTrainingData("x")).isCancellation)
        #expect(PipelineError.wrap(ForestError.invalidTrainingData("x")).failureClass == .permanent)
        #expect(PipelineError.store(.busy(path: "/s", timeoutSeconds: 5)).failureClass == .transient)
        #expect(PipelineError.store(.corrupt(path: "/s", detail: "x")).failureClass == .fatal)
        #expect(PipelineError.fileSystem(Self.eio).failureClass == .transient)
    }

    /// An error no rule classifies keeps its type and its own words, so the operator sees what
    /// failed (it used to arrive as bare text); it is retried, and permanent once it repeats.
    @Test func anUnclassifiedErrorKeepsItsTypeAndMessage() {
        struct LedgerMismatch: Error, CustomStringConvertible {
            var description: String { "ledger row 7 does not add up" }
        }
        let wrapped = PipelineError.wrap(LedgerMismatch())
        guard case .unexpected(let type, let message) = wrapped else {
            Issue.record("\(wrapped) is not .unexpected")
            return
        }
        #expect(type == "LedgerMismatch")
        #expect(message == "ledger row 7 does not add up")
        #expect(wrapped.description.contains("LedgerMismatch") && wrapped.description.hasSuffix(": ledger row 7 does not add up"))
        #expect(wrapped.category == "unexpected" && wrapped.failureClass == .unknown)
    }

    private func waitFor(_ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// Counts calls, across tasks.
final class Attempts: Sendable {
    private let count = Mutex(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}
