import Foundation
import Synchronization
import Testing
@testable import ShopperML
#if canImport(Glibc)
import Glibc
#endif

/// `BackgroundExecutor`: training work runs on its `SCHED_IDLE` threads, children included, and
/// goes back to normal priority past its deadline; a forest fitted there is the same forest.
@Suite struct BackgroundExecutorTests {
    /// The scheduling policy of the thread running each of `count` child tasks.
    static func policies(_ count: Int) async -> [Int32] {
        await withTaskGroup(of: Int32.self) { group in
            for _ in 0..<count {
                group.addTask {
                    // A little work, so the children spread over the threads.
                    var x = 0.0
                    for i in 0..<10_000 { x += Double(i).squareRoot() }
                    return x > 0 ? sched_getscheduler(0) : -1
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func childTasksRunOnIdleThreads() async {
        let executor = BackgroundExecutor(threads: 2, normalAfter: .seconds(600))
        defer { executor.shutdown() }
        let (own, name, children) = await withTaskExecutorPreference(executor) {
            (sched_getscheduler(0), try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8), await Self.policies(16))
        }
        #expect(own == BackgroundExecutor.schedIdle)
        #expect(name == "shopperd-train\n")
        #expect(children == Array(repeating: BackgroundExecutor.schedIdle, count: 16))
        let snapshot = executor.snapshot
        #expect(snapshot.idleThreads == 2)
        #expect(snapshot.ranInBackground >= 17)
        #expect(snapshot.handedOver == 0)
        // The caller's own thread is back at normal priority.
        #expect(sched_getscheduler(0) == SCHED_OTHER)
    }

    @Test func pastItsDeadlineWorkRunsAtNormalPriority() async {
        let executor = BackgroundExecutor(threads: 2, normalAfter: .zero)
        defer { executor.shutdown() }
        let children = await withTaskExecutorPreference(executor) { await Self.policies(8) }
        #expect(children == Array(repeating: SCHED_OTHER, count: 8))
        #expect(executor.snapshot.ranInBackground == 0)
        #expect(executor.snapshot.handedOver >= 8)
    }

    @Test func aForestFittedInTheBackgroundIsTheSameForest() async throws {
        var generator = SystemRandomNumberGenerator()
        let rows = 400
        let columns = (0..<4).map { _ in (0..<rows).map { _ in Double.random(in: 0...1, using: &generator) } }
        let labels = (0..<rows).map { columns[0][$0] + 0.3 * columns[1][$0] > 0.7 }
        let data = try FeatureMatrix(featureNames: ["a", "b", "c", "d"], columns: columns)
        var parameters = ForestParameters()
        parameters.treeCount = 20
        let forest = RandomForest(parameters: parameters)
        let plain = try await forest.fit(data, labels: labels, workers: 2)
        let executor = BackgroundExecutor(threads: 2, normalAfter: .seconds(600))
        defer { executor.shutdown() }
        let background = try await withTaskExecutorPreference(executor) { try await forest.fit(data, labels: labels, workers: 2) }
        #expect(try ModelFile.encode(background.model) == ModelFile.encode(plain.model))
        #expect(background.outOfBagProbabilities.elementsEqual(plain.outOfBagProbabilities) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(executor.snapshot.ranInBackground >= parameters.treeCount)
        #expect(executor.snapshot.handedOver == 0)
    }

    /// A condition the test flips: `yield` holds while it is set.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(true)
        func set(_ on: Bool) { value.store(on, ordering: .relaxed) }
        var isOn: Bool { value.load(ordering: .relaxed) }
    }

    /// Waits (up to a minute: `SCHED_IDLE` threads on a busy machine start late) until a pause began.
    static func untilPaused(_ executor: BackgroundExecutor) async throws {
        let start = ContinuousClock.now
        while executor.snapshot.pauses == 0 && ContinuousClock.now - start < .seconds(60) {
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(executor.snapshot.pauses >= 1, "no thread began pausing")
    }

    /// A job of the executor's that records it ran.
    static func ranJob(on executor: BackgroundExecutor) -> Task<ContinuousClock.Instant, Never> {
        Task(executorPreference: executor) { ContinuousClock.now }
    }

    @Test(.timeLimit(.minutes(2))) func whileYieldHoldsNoJobRunsAndThePauseIsCounted() async throws {
        let flag = Flag()
        let executor = BackgroundExecutor(threads: 2, normalAfter: .seconds(600), yield: { flag.isOn }, pollInterval: .milliseconds(5))
        defer { executor.shutdown() }
        let job = Self.ranJob(on: executor)
        try await Self.untilPaused(executor)
        try await Task.sleep(for: .milliseconds(300))
        #expect(executor.snapshot.ranInBackground == 0, "a job ran while yield held")
        #expect(executor.snapshot.pauses >= 1)
        let released = ContinuousClock.now
        flag.set(false)
        let ranAt = await job.value
        #expect(ranAt >= released)
        let snapshot = executor.snapshot
        #expect(snapshot.ranInBackground == 1)
        #expect(snapshot.paused >= .milliseconds(300), "\(snapshot.paused)")
        #expect(snapshot.handedOver == 0)
    }

    @Test(.timeLimit(.minutes(2))) func yieldPausesNoLongerThanTheDeadline() async {
        let executor = BackgroundExecutor(threads: 1, normalAfter: .milliseconds(400), yield: { true }, pollInterval: .milliseconds(5))
        defer { executor.shutdown() }
        let started = ContinuousClock.now
        let ranAt = await Self.ranJob(on: executor).value
        #expect(ranAt - started >= .milliseconds(350), "the job ran before the deadline although yield held")
        #expect(ranAt - started < .seconds(50), "the job waited far past its 400 ms deadline")
        #expect(executor.snapshot.ranInBackground == 1)
        // One pause, or none when the thread (at SCHED_IDLE on a busy machine) first ran after the deadline.
        #expect(executor.snapshot.pauses <= 1)
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledTrainingStopsPausingSoItsJobsSeeTheCancellation() async throws {
        let started = ContinuousClock.now
        let task = Task {
            try await BackgroundExecutor.run(threads: 2, normalAfter: .seconds(45), yield: { true }) {
                try await Task.sleep(for: .milliseconds(1))  // a job after the pause began
                try Task.checkCancellation()
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        // Not the 45 s the pause could last.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func withoutYieldNothingPauses() async throws {
        let (value, snapshot) = try await BackgroundExecutor.run(threads: 2, normalAfter: .seconds(600)) { await Self.policies(8).count }
        #expect(value == 8)
        #expect(snapshot.pauses == 0 && snapshot.paused == .zero)
        #expect(snapshot.ranInBackground >= 9)
    }

    @Test(.timeLimit(.minutes(2))) func twoThreadsPausingTogetherMakeOnePause() async throws {
        let flag = Flag()
        let executor = BackgroundExecutor(threads: 2, normalAfter: .seconds(600), yield: { flag.isOn }, pollInterval: .milliseconds(5))
        defer { executor.shutdown() }
        let jobs = [Self.ranJob(on: executor), Self.ranJob(on: executor)]
        try await Self.untilPaused(executor)
        try await Task.sleep(for: .milliseconds(200))
        flag.set(false)
        for job in jobs { _ = await job.value }
        let snapshot = executor.snapshot
        #expect(snapshot.pauses == 1, "\(snapshot)")
        #expect(snapshot.paused >= .milliseconds(200) && snapshot.paused < .seconds(20), "\(snapshot.paused)")
    }
}
