import ShopperInbox
/// When the drain tries a failed batch again, and when it stops trying (docs/daemon.md, "Failures").
///
/// The delay doubles from `firstDelay` up to `maxDelay`, per batch: a batch that keeps failing
/// never delays the others. The ceiling is a total time, `limit`, counted from the batch's first
/// failure: long enough (a day by default) for an operator alerted by `error-retrying` to free the
/// disk or release the lock, so a fault of the whole machine does not turn good batches into
/// rejections overnight. Past it, the next failure gives the batch its final outcome — but only
/// if that outcome can be recorded: a fault that hits every batch (a full or locked store) blocks
/// the rejection too, so the batch keeps being retried and is processed normally once the fault is
/// cleared. Two shorter rules catch what is not really transient: an input still being written
/// after `maxChangingAttempts` reads, and an error of unknown kind that repeats identically
/// `identicalRepeats` times in a row.
package struct RetryPolicy: Sendable, Equatable {
    package var firstDelay: Duration = .milliseconds(500)
    package var maxDelay: Duration = .seconds(30)
    /// The retry ceiling (`retry-limit-seconds`).
    package var limit: Duration = .seconds(86_400)
    /// How many reads of an input that keeps changing before it is rejected.
    package var maxChangingAttempts = 10
    /// How many identical failures in a row make an unknown error permanent.
    package var identicalRepeats = 3

    package init() {}

    /// The wait after failed attempt number `attempt` (1-based).
    package func delay(afterAttempt attempt: Int) -> Duration {
        var delay = firstDelay
        for _ in 1..<max(1, min(attempt, 32)) { delay = min(delay * 2, maxDelay) }
        return delay
    }

    /// Why a batch that failed before its outcome was committed must now get a final one, or nil
    /// to retry it.
    func giveUp(_ error: PipelineError, _ record: RetryRecord, now: ContinuousClock.Instant) -> FinalFailure? {
        switch error.failureClass {
        case .permanent: return .permanent
        case .fatal: return nil
        case .unknown where record.identicalFailures >= identicalRepeats: return .repeated(record.identicalFailures)
        case .unknown, .transient: break
        }
        if case .inputStillChanging = error {
            return record.attempts >= maxChangingAttempts ? .neverSettled(record.attempts) : nil
        }
        let elapsed = now - record.firstFailure
        return elapsed >= limit ? .ceiling(elapsed: elapsed, attempts: record.attempts, limit: limit) : nil
    }
}

/// Why a batch gets a final rejection instead of another try; the words of its `rejected.json`.
enum FinalFailure: Sendable, Equatable {
    case permanent
    case repeated(Int)
    case neverSettled(Int)
    case ceiling(elapsed: Duration, attempts: Int, limit: Duration)

    func reason(_ name: InboxFileName, _ error: PipelineError) -> String {
        switch self {
        case .permanent:
            "\(name) cannot be processed: \(error). This failure is deterministic (retrying would fail the same way), "
                + "so the batch is rejected now; fix what the message says, then drop the file again"
        case .repeated(let count):
            "\(name) failed \(count) times in a row with the same error: \(error). An error that repeats identically is "
                + "not transient, so the batch is rejected; fix what the message says, then drop the file again"
        case .neverSettled(let attempts):
            "\(name) kept changing while it was read (\(attempts) attempts): its writer never finished; write it under a "
                + ".tmp name and rename it into the inbox when complete"
        case .ceiling(let elapsed, let attempts, let limit):
            "\(name) could not be processed for \(Int(elapsed.components.seconds)) s (\(attempts) attempts; the ceiling "
                + "retry-limit-seconds is \(Int(limit.components.seconds)) s): \(error). Fix that, then drop the file again"
        }
    }
}
