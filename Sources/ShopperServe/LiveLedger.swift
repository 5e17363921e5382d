import Foundation
import ShopperCore
import ShopperStore
import Synchronization

/// The live predictions made while a rollout runs (both models' probabilities, by prediction id),
/// kept off the request path: a request is scored by the model that answers it and only appends
/// its sessions to a buffer; every `interval` a background task scores the buffered rows with the
/// other model, in one batch per model (the forest's batch walk), and commits them in one
/// transaction. A feedback call flushes first, so that an outcome for a prediction just made
/// finds it.
///
/// The endpoint reads the store read-only; this is its only writer, on a connection of its own
/// opened on first use, so a store it may not write (a read-only mount, a unit with
/// `ReadOnlyPaths=`) costs only the rollout's live evidence: predictions are dropped and counted,
/// feedback is answered 503 saying why, scoring goes on.
package final class LiveLedger: Sendable {
    /// One answered request: its sessions and ids, the answering model's probabilities, and the
    /// model that still has to score them.
    package struct Answered: Sendable {
        package var rolloutID: Int
        package var sessions: [Session]
        package var ids: PredictionIDs.Block
        /// The answering model's probabilities and version.
        package var answered: [Double]
        package var answeredBy: Int
        /// Whether the answering model is the champion (else the challenger).
        package var answeredByChampion: Bool
        /// The model whose probabilities are still missing.
        package var other: ServingModel
        package var at: Date

        package init(rolloutID: Int, sessions: [Session], ids: PredictionIDs.Block, answered: [Double], answeredBy: Int,
                     answeredByChampion: Bool, other: ServingModel, at: Date) {
            self.rolloutID = rolloutID
            self.sessions = sessions
            self.ids = ids
            self.answered = answered
            self.answeredBy = answeredBy
            self.answeredByChampion = answeredByChampion
            self.other = other
            self.at = at
        }
    }

    private let open: @Sendable () throws -> ShopperStore
    private let state = Mutex<State>(State())
    /// At most this many rows wait; beyond it they are dropped and counted.
    package static let capacity = 200_000

    private struct State {
        var pending: [(sequence: Int, item: Answered)] = []
        var pendingRows = 0
        /// Taken by a flush that has not written them yet.
        var inFlight: [(sequence: Int, item: Answered)] = []
        var nextSequence = 0
        var store: ShopperStore?
        var dropped = 0
        var written = 0
        var lastError: String?
    }

    /// Told after each write: the rows written per challenger version (for `/metrics`, counted
    /// here, off the request path).
    private let onWritten: @Sendable (_ challengerVersion: Int, _ rows: Int) -> Void

    package init(open: @escaping @Sendable () throws -> ShopperStore,
                 onWritten: @escaping @Sendable (_ challengerVersion: Int, _ rows: Int) -> Void = { _, _ in }) {
        self.open = open
        self.onWritten = onWritten
    }

    /// Appends an answered request, to be scored by the other model and written.
    package func record(_ answered: Answered) {
        state.withLock { state in
            guard state.pendingRows + answered.ids.count <= Self.capacity else {
                state.dropped += answered.ids.count
                return
            }
            state.pending.append((state.nextSequence, answered))
            state.nextSequence += 1
            state.pendingRows += answered.ids.count
        }
    }

    /// Predictions written, dropped (buffer full), waiting, and the last write error.
    package var counts: (written: Int, dropped: Int, pending: Int, lastError: String?) {
        state.withLock { ($0.written, $0.dropped, $0.pendingRows, $0.lastError) }
    }

    /// The writer store, opened on first use.
    package func writer() throws -> ShopperStore {
        if let store = state.withLock({ $0.store }) { return store }
        let store = try open()
        state.withLock { $0.store = store }
        return store
    }

    /// Scores what is pending with the other model and writes it in one transaction. With
    /// `includingInFlight` (a feedback call), the rows another flush took and has not written yet
    /// are scored and written too (a prediction already written is left as it is), so no lock is
    /// held while scoring: the background flush, at idle priority, never makes a feedback call
    /// wait for it. On a write failure the requests go back to the queue (up to the capacity) for
    /// the next attempt, and the error is thrown.
    /// Returns why rows were dropped unscored, if any were (they are counted in `counts.dropped`).
    @discardableResult
    package func flush(includingInFlight: Bool = false) throws -> String? {
        let (taken, others) = state.withLock { state -> ([(sequence: Int, item: Answered)], [Answered]) in
            let taken = state.pending
            let others = includingInFlight ? state.inFlight.map(\.item) : []
            state.inFlight.append(contentsOf: taken)
            state.pending.removeAll(keepingCapacity: true)
            state.pendingRows = 0
            return (taken, others)
        }
        guard !taken.isEmpty || !others.isEmpty else { return nil }
        let sequences = Set(taken.map(\.sequence))
        // Scoring failures are deterministic: those rows are dropped (counted, the reason kept),
        // never queued again; only a failed write puts the requests back.
        let completed = Self.complete(taken.map(\.item) + others)
        if completed.unscorable > 0 {
            state.withLock {
                $0.dropped += completed.unscorable
                $0.lastError = completed.problem
            }
        }
        do {
            let rows = completed.rows
            try writer().recordRolloutPredictions(rows)
            var perChallenger: [Int: Int] = [:]
            for entry in taken {
                let challenger = entry.item.answeredByChampion ? entry.item.other.version : entry.item.answeredBy
                perChallenger[challenger, default: 0] += entry.item.ids.count
            }
            for (version, count) in perChallenger { onWritten(version, count) }
            state.withLock {
                $0.inFlight.removeAll { sequences.contains($0.sequence) }
                $0.written += taken.indices.reduce(0) { $0 + (completed.scored[$1] ? taken[$1].item.ids.count : 0) }
                if completed.problem == nil { $0.lastError = nil }
            }
            return completed.problem
        } catch {
            state.withLock { state in
                state.inFlight.removeAll { sequences.contains($0.sequence) }
                var rows = state.pendingRows
                var kept: [(sequence: Int, item: Answered)] = []
                for entry in taken where rows + entry.item.ids.count <= Self.capacity {
                    kept.append(entry)
                    rows += entry.item.ids.count
                }
                state.dropped += taken.reduce(0) { $0 + $1.item.ids.count } - (rows - state.pendingRows)
                state.pending.insert(contentsOf: kept, at: 0)
                state.pendingRows = rows
                state.lastError = String(describing: error)
            }
            throw error
        }
    }

    /// The other model's probabilities for every pending row, one batch walk per model version.
    /// A model that cannot score (deterministic: it would fail again) costs only its own rows:
    /// they are returned as `unscorable`, with why, and the others are written.
    static func complete(_ batch: [Answered]) -> (rows: [RolloutPrediction], scored: [Bool], unscorable: Int, problem: String?) {
        var byModel: [Int: [Int]] = [:]
        for (index, item) in batch.enumerated() { byModel[item.other.version, default: []].append(index) }
        var other = Array(repeating: [Double](), count: batch.count)
        var unscorable = 0
        var problem: String?
        for (version, indices) in byModel {
            let model = batch[indices[0]].other
            let sessions = indices.flatMap { batch[$0].sessions }
            do {
                let scores = try model.model.probabilities(for: model.features.matrix(for: sessions))
                var offset = 0
                for index in indices {
                    other[index] = Array(scores[offset..<(offset + batch[index].sessions.count)])
                    offset += batch[index].sessions.count
                }
            } catch {
                unscorable += sessions.count
                problem = "model v\(version) cannot score the rollout's rows: \(error)"
            }
        }
        var rows: [RolloutPrediction] = []
        rows.reserveCapacity(batch.reduce(0) { $0 + $1.ids.count })
        for (index, item) in batch.enumerated() where other[index].count == item.ids.count {
            for row in item.ids.indices {
                let champion = item.answeredByChampion ? item.answered[row] : other[index][row]
                let challenger = item.answeredByChampion ? other[index][row] : item.answered[row]
                rows.append(RolloutPrediction(
                    predictionID: item.ids[row], rolloutID: item.rolloutID, source: .live, championProbability: champion,
                    challengerProbability: challenger, answeredBy: item.answeredBy, predictedAt: item.at))
            }
        }
        return (rows, batch.indices.map { other[$0].count == batch[$0].ids.count }, unscorable, problem)
    }

    /// Flushes every `interval` on a thread of its own at the lowest CPU priority (SCHED_IDLE),
    /// until `stop()`: the second model's scoring and the writes use only CPU time the requests
    /// leave, so a shadow rollout adds as little as possible to the answers' latency. Under a load
    /// that leaves no idle CPU for long, rows wait (up to the capacity, then they are dropped and
    /// counted) rather than slowing the answers. A failure is written to stderr once per message.
    package func startFlushing(every interval: Duration) -> Flusher {
        let flusher = Flusher()
        let thread = Thread { [self] in
            // SCHED_IDLE (5 in <sched.h>, defined only under _GNU_SOURCE): this thread only. If the
            // system refuses it, the thread runs at the normal priority.
            var parameter = sched_param(sched_priority: 0)
            _ = sched_setscheduler(0, 5, &parameter)
            var reported: String?
            let nanoseconds = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
            while !flusher.stopped.load(ordering: .acquiring) {
                var pause = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
                _ = nanosleep(&pause, nil)
                let message: String?
                do {
                    message = try self.flush().map { "shopperd serve: live rollout rows dropped: \($0)" }
                } catch {
                    message = "shopperd serve: cannot record live rollout predictions: \(error)"
                }
                if let message, message != reported { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                reported = message
            }
            _ = try? self.flush()
            flusher.done.store(true, ordering: .releasing)
        }
        thread.name = "shopperd-ledger"
        thread.start()
        return flusher
    }

    /// Stops the flushing thread after its last flush.
    package final class Flusher: Sendable {
        let stopped = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)

        /// Asks the thread to stop, then waits (up to 5 s) for its last flush.
        package func stop() {
            stopped.store(true, ordering: .releasing)
            for _ in 0..<500 where !done.load(ordering: .acquiring) { usleep(10_000) }
        }
    }
}
