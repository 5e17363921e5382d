/// One batch's failures so far.
struct RetryRecord: Sendable {
    var attempts = 0
    let firstFailure: ContinuousClock.Instant
    var nextTry: ContinuousClock.Instant
    /// The last failure's text, and how many failures in a row had exactly that text.
    var lastError = ""
    var lastCategory = ""
    var identicalFailures = 0
}

/// The drain's per-batch retry bookkeeping: attempts, next-try times, repeats. In memory: a restart
/// is itself a fresh attempt (often after the operator's fix), and a batch that fails again starts
/// its count again — the ceiling is a guard against retrying forever within one run, not a record.
struct RetryBook: Sendable {
    /// Keyed by spool entry id; `""` stands for listing the spool itself.
    private var records: [String: RetryRecord] = [:]

    /// Records a failed attempt and schedules the next; returns the updated record and the delay.
    mutating func fail(_ id: String, _ error: PipelineError, policy: RetryPolicy,
                       now: ContinuousClock.Instant) -> (record: RetryRecord, delay: Duration) {
        var record = records[id] ?? RetryRecord(firstFailure: now, nextTry: now)
        record.attempts += 1
        let text = error.description
        record.identicalFailures = text == record.lastError ? record.identicalFailures + 1 : 1
        record.lastError = text
        record.lastCategory = error.category
        let delay = policy.delay(afterAttempt: record.attempts)
        record.nextTry = now + delay
        records[id] = record
        return (record, delay)
    }

    mutating func clear(_ id: String) { records[id] = nil }

    /// Forgets batches no longer in the spool.
    mutating func keep(only ids: Set<String>) {
        records = records.filter { ids.contains($0.key) || $0.key.isEmpty }
    }

    func isDue(_ id: String, at now: ContinuousClock.Instant) -> Bool {
        records[id].map { $0.nextTry <= now } ?? true
    }

    /// Batches waiting for a retry.
    var count: Int { records.keys.filter { !$0.isEmpty }.count }

    /// The earliest next try among records with fewer than `attempts` failures.
    func nextTry(below attempts: Int = .max) -> ContinuousClock.Instant? {
        records.values.filter { $0.attempts < attempts }.map(\.nextTry).min()
    }

    /// The most recent failure (`(category): text`), for STATUS.
    var latest: String? {
        records.values.max { $0.nextTry < $1.nextTry }.map { "(\($0.lastCategory)): \($0.lastError)" }
    }
}
