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
/// `SCHED_IDLE` leaves a scoring server the cores, not their caches and memory bandwidth, nor a
/// virtual machine's host the knowledge that the vCPU is idle (measured: p99 at 32 connections
/// 4.7–6.7 ms during a retrain at `SCHED_IDLE`, 4.1–5.6 ms idle). So a `yield` condition can
/// also pause the threads: before each job, while it holds (the daemon's: `shopperd serve` on the
/// same state answered at least `training.yield-above` requests a second over the last 50 ms),
/// the threads sleep `pollInterval` and ask again; only until `normalAfter`, after which they run
/// their jobs regardless — the same bound as the priority's.
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
    private let yield: (@Sendable () -> Bool)?
    private let pollInterval: Duration
    /// Threads pausing now, when the current pause began (the first of them), and the pauses' total;
    /// under `condition`'s lock.
    private var pausingThreads = 0
    private var pausedSince: ContinuousClock.Instant?
    private var paused: Duration = .zero
    private var pauses = 0
    /// Set when the training is cancelled: a pause ends, so the jobs run and see the cancellation.
    private let pausingEnded = Atomic<Bool>(false)

    /// What ran where, for tests and reports.
    package struct Snapshot: Sendable, Equatable {
        /// Jobs run on this executor's threads.
        package var ranInBackground: Int
        /// Jobs handed to the global executor (enqueued after `normalAfter`, or after shutdown).
        package var handedOver: Int
        /// Threads that run at `SCHED_IDLE` (the others could not lower their priority).
        package var idleThreads: Int
        /// Times the threads paused for `yield`, and how long, in all (wall time while at least
        /// one thread waited).
        package var pauses: Int = 0
        package var paused: Duration = .zero
    }

    /// Linux's `SCHED_IDLE` (sched.h; not exported to Swift without `_GNU_SOURCE`).
    static let schedIdle: Int32 = 5

    /// Starts `threads` threads; after `normalAfter`, new jobs run at normal priority and `yield`
    /// pauses no more.
    package init(threads: Int, normalAfter: Duration, yield: (@Sendable () -> Bool)? = nil,
                 pollInterval: Duration = .milliseconds(20)) {
        deadline = ContinuousClock.now + normalAfter
        self.yield = yield
        self.pollInterval = pollInterval
        for _ in 0..<max(1, threads) {
            Thread { [self] in run() }.start()
        }
    }

    package var snapshot: Snapshot {
        condition.lock()
        let pauses = pauses
        var paused = paused
        if let pausedSince { paused += ContinuousClock.now - pausedSince }
        condition.unlock()
        return Snapshot(ranInBackground: ran.load(ordering: .relaxed), handedOver: handedOver.load(ordering: .relaxed),
                        idleThreads: idleThreads.load(ordering: .relaxed), pauses: pauses, paused: paused)
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

    /// Runs `operation` with this executor preferred (by it and every child task), then shuts it
    /// down; the value, and what ran where.
    package static func run<T>(
        threads: Int, normalAfter: Duration, yield: (@Sendable () -> Bool)? = nil, _ operation: () async throws -> T
    ) async throws -> (value: T, snapshot: Snapshot) {
        let executor = BackgroundExecutor(threads: threads, normalAfter: normalAfter, yield: yield)
        defer { executor.shutdown() }
        let value = try await withTaskCancellationHandler {
            try await withTaskExecutorPreference(executor) { try await operation() }
        } onCancel: {
            executor.endPausing()
        }
        return (value, executor.snapshot)
    }

    private func run() {
        Thread.current.name = "shopperd-train"  // what `ps -L` and `top -H` show (set from the thread itself)
        var parameters = sched_param()
        parameters.sched_priority = 0
        if sched_setscheduler(0, Self.schedIdle, &parameters) == 0 { idleThreads.add(1, ordering: .relaxed) }
        let executor = asUnownedTaskExecutor()
        while let job = next() {
            if let yield { pauseWhile(yield) }
            ran.add(1, ordering: .relaxed)
            job.runSynchronously(on: executor)
        }
    }

    /// No more pauses (the training was cancelled, and its jobs must run to see it).
    package func endPausing() {
        pausingEnded.store(true, ordering: .relaxed)
    }

    /// Sleeps `pollInterval` at a time while `yield` holds, until the deadline. A pause counts
    /// from the first thread that begins pausing to the last that ends.
    private func pauseWhile(_ yield: @Sendable () -> Bool) {
        var pausing = false
        while !pausingEnded.load(ordering: .relaxed), ContinuousClock.now < deadline, yield() {
            if !pausing {
                pausing = true
                condition.lock()
                pausingThreads += 1
                if pausingThreads == 1 {
                    pausedSince = .now
                    pauses += 1
                }
                condition.unlock()
            }
            Thread.sleep(forTimeInterval: Double(pollInterval.components.attoseconds) * 1e-18 + Double(pollInterval.components.seconds))
        }
        guard pausing else { return }
        condition.lock()
        pausingThreads -= 1
        if pausingThreads == 0, let since = pausedSince {
            paused += ContinuousClock.now - since
            pausedSince = nil
        }
        condition.unlock()
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
