import ShopperInbox
import Synchronization

/// The run loop's inputs: inotify events, a periodic tick, and a batch's retry coming due.
enum LoopEvent: Sendable {
    case inbox(InboxEvent)
    case tick
    case retryDue
}

enum LoopEvents {
    static func merge(_ inbox: AsyncStream<InboxEvent>, tick interval: Duration, alarm: RetryAlarm) -> AsyncStream<LoopEvent> {
        let (stream, continuation) = AsyncStream<LoopEvent>.makeStream()
        let forward = Task {
            for await event in inbox { continuation.yield(.inbox(event)) }
            continuation.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield(.tick)
            }
        }
        alarm.attach(continuation)
        continuation.onTermination = { _ in
            forward.cancel()
            ticker.cancel()
            alarm.set(at: nil)
        }
        return stream
    }
}

/// Wakes the run loop when the earliest batch waiting for a retry is due (``LoopEvent/retryDue``).
/// Setting it again replaces the previous time: the drain re-arms it after every pass.
final class RetryAlarm: Sendable {
    private let state = Mutex<(continuation: AsyncStream<LoopEvent>.Continuation?, timer: Task<Void, Never>?)>((nil, nil))

    func attach(_ continuation: AsyncStream<LoopEvent>.Continuation) {
        state.withLock { $0.continuation = continuation }
    }

    /// Rings once at `instant` (nil: never).
    func set(at instant: ContinuousClock.Instant?) {
        state.withLock { state in
            state.timer?.cancel()
            state.timer = nil
            guard let instant, let continuation = state.continuation else { return }
            state.timer = Task {
                guard (try? await Task.sleep(until: instant, clock: .continuous)) != nil else { return }
                continuation.yield(.retryDue)
            }
        }
    }
}
