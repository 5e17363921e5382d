import ShopperDaemon
@testable import ShopperInbox
import Synchronization
import ShopperPipeline
import ShopperTestSupport

/// Drains an `InotifyWatcher`'s stream in the background and keeps what arrived, so tests can
/// wait for an expected arrival and then check everything that came before it.
final class EventCollector: Sendable {
    private final class State: Sendable {
        let received = Mutex<[InboxEvent]>([])
        let finished = Mutex(false)
    }

    private let state = State()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<InboxEvent>) {
        let state = self.state
        task = Task {
            for await event in stream { state.received.withLock { $0.append(event) } }
            state.finished.withLock { $0 = true }
        }
    }

    var events: [InboxEvent] { state.received.withLock { $0 } }
    var isFinished: Bool { state.finished.withLock { $0 } }

    /// Waits until `event` has arrived; `true` if it did.
    func waitFor(_ event: InboxEvent, timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { events.contains(event) }
    }

    func arrived(_ name: String) -> InboxEvent { .arrived(InboxFileName(name)!) }

    deinit { task.cancel() }
}
