import Foundation
import ShopperStore
import Synchronization

/// The live predictions made while a rollout runs (both models' probabilities, by prediction id),
/// written to the store off the request path: a request only appends to a buffer, a background
/// task commits it every `interval` in one transaction, and a feedback call commits it first so
/// that an outcome for a prediction just made finds it.
///
/// The endpoint reads the store read-only; this is its only writer, on a connection of its own
/// opened on first use, so a store it may not write (a read-only mount, a unit with
/// `ReadOnlyPaths=`) costs only the rollout's live evidence: predictions are dropped and counted,
/// feedback is answered 503 saying why, scoring goes on.
package final class LiveLedger: Sendable {
    private let open: @Sendable () throws -> ShopperStore
    private let state = Mutex<State>(State())
    /// At most this many predictions wait for a write; beyond it they are dropped and counted.
    package static let capacity = 200_000

    private struct State {
        var pending: [RolloutPrediction] = []
        var store: ShopperStore?
        var dropped = 0
        var written = 0
        var lastError: String?
    }

    package init(open: @escaping @Sendable () throws -> ShopperStore) {
        self.open = open
    }

    /// Appends predictions to be written.
    package func record(_ predictions: [RolloutPrediction]) {
        state.withLock { state in
            let room = Self.capacity - state.pending.count
            state.pending.append(contentsOf: predictions.prefix(max(0, room)))
            state.dropped += max(0, predictions.count - max(0, room))
        }
    }

    /// Predictions written, dropped (buffer full), and the last write error.
    package var counts: (written: Int, dropped: Int, pending: Int, lastError: String?) {
        state.withLock { ($0.written, $0.dropped, $0.pending.count, $0.lastError) }
    }

    /// The writer store, opened on first use.
    package func writer() throws -> ShopperStore {
        if let store = state.withLock({ $0.store }) { return store }
        let store = try open()
        state.withLock { $0.store = store }
        return store
    }

    /// Writes what is pending in one transaction. On failure the rows stay pending (up to the
    /// capacity) for the next attempt, and the error is thrown.
    package func flush() throws {
        let batch = state.withLock { state -> [RolloutPrediction] in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        do {
            try writer().recordRolloutPredictions(batch)
            state.withLock {
                $0.written += batch.count
                $0.lastError = nil
            }
        } catch {
            state.withLock { state in
                let room = Self.capacity - state.pending.count
                state.pending.insert(contentsOf: batch.prefix(max(0, room)), at: 0)
                state.dropped += max(0, batch.count - max(0, room))
                state.lastError = String(describing: error)
            }
            throw error
        }
    }

    /// Flushes every `interval` until cancelled; a failure is written to stderr once per message.
    package func run(every interval: Duration) async {
        var reported: String?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                try flush()
                reported = nil
            } catch {
                let message = "shopperd serve: cannot record live rollout predictions: \(error)"
                if message != reported { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                reported = message
            }
        }
        try? flush()
    }
}
