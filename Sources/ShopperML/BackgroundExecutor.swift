import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A task executor whose threads run at Linux's lowest CPU priority, `SCHED_IDLE`: the daemon's
/// retraining runs there (`withTaskExecutorPreference`, inherited by every child task of the
/// fit), so a scoring server on the same cores (`shopperd serve`) preempts it at once instead of
/// waiting for a scheduler tick behind it, while the daemon's own tasks (watchdog, health monitor,
/// inbox) keep the cooperative pool to themselves.
///
/// A `SCHED_IDLE` thread gets almost no CPU while other work keeps every core busy, so the
/// priority is bounded: jobs enqueued after `normalAfter` go to the global concurrent executor
/// (normal priority) instead. A fit yields between trees, so a training still running then moves
/// over within one tree: a long saturating load delays a retrain by `normalAfter` at most, never
/// starves it past the daemon's stuck limit.
///
/// Lowering one's own scheduling policy needs no privilege (the hardened unit has none; the systemd
/// stage checks the threads' policy under it). When the kernel refuses it anyway (a seccomp
/// filter, another OS), the threads run at normal priority: training goes on as before, and
/// `snapshot.idleThreads` counts only the threads that did lower it.
package final class BackgroundExecutor: TaskExecutor, @unchecked Sendable {
    /// Jobs waiting for a thread, and whether the executor is shut down; `condition` guards both.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var head = 0
    private var closed = false
    private let deadline: ContinuousClock.Instant
    private let ran = Atomic<Int>(0)
    private let handedOver = Atomic<Int>(0)
    private let idleThreads = Atomic<Int>(0)

    /// What ran where, for tests and reports.
    package struct Snapshot: Sendable, Equatable {
        /// Jobs run on this executor's threads.
        package var ranInBackground: Int
        /// Jobs handed to the global executor (enqueued after `normalAfter`, or after shutdown).
        package var handedOver: Int
        /// Threads that run at `SCHED_IDLE` (the others could not lower their priority).
        package var idleThreads: Int
    }

    /// Linux's `SCHED_IDLE` (sched.h; not exported to Swift without `_GNU_SOURCE`).
    static let schedIdle: Int32 = 5

    /// Starts `threads` threads; after `normalAfter`, new jobs run at normal priority.
    package init(threads: Int, normalAfter: Duration) {
        deadline = ContinuousClock.now + normalAfter
        for _ in 0..<max(1, threads) {
            Thread { [self] in run() }.start()
        }
    }

    package var snapshot: Snapshot {
        Snapshot(ranInBackground: ran.load(ordering: .relaxed), handedOver: handedOver.load(ordering: .relaxed),
                 idleThreads: idleThreads.load(ordering: .relaxed))
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if closed || ContinuousClock.now >= deadline {
            condition.unlock()
            handedOver.add(1, ordering: .relaxed)
            globalConcurrentExecutor.enqueue(job)
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the jobs queued have run; later jobs go to the global executor.
    package func shutdown() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `operation` with this executor preferred (by it and every child task), then shuts it down.
    package static func run<T>(
        threads: Int, normalAfter: Duration, _ operation: () async throws -> T
    ) async throws -> T {
        let executor = BackgroundExecutor(threads: threads, normalAfter: normalAfter)
        defer { executor.shutdown() }
        return try await withTaskExecutorPreference(executor) { try await operation() }
    }

    private func run() {
        Thread.current.name = "shopperd-train"  // what `ps -L` and `top -H` show (set from the thread itself)
        var parameters = sched_param()
        parameters.sched_priority = 0
        if sched_setscheduler(0, Self.schedIdle, &parameters) == 0 { idleThreads.add(1, ordering: .relaxed) }
        let executor = asUnownedTaskExecutor()
        while let job = next() {
            ran.add(1, ordering: .relaxed)
            job.runSynchronously(on: executor)
        }
    }

    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count {
            if closed { return nil }
            condition.wait()
        }
        let job = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
