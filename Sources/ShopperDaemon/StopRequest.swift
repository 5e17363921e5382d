import Synchronization

/// A one-way "please stop" flag that async code can both poll and wait on.
///
/// Graceful shutdown must not interrupt a batch (that would be cancellation); it must stop the
/// run loop from *starting* another one. So the run loop polls ``isRequested`` between batches,
/// and ``StoppableStream`` wakes it up if it is waiting for the next inbox event.
package final class StopRequest: Sendable {
    private struct State {
        var reason: String?
        var observers: [Int: @Sendable () -> Void] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Whether stopping was requested.
    package var isRequested: Bool { state.withLock { $0.reason != nil } }

    /// Why stopping was requested (e.g. `SIGTERM`), `nil` if it was not.
    package var reason: String? { state.withLock { $0.reason } }

    /// Requests the stop; returns `false` when it had already been requested.
    @discardableResult
    package func request(reason: String) -> Bool {
        let toNotify: [@Sendable () -> Void]? = state.withLock { state in
            guard state.reason == nil else { return nil }
            state.reason = reason
            defer { state.observers = [:] }
            return Array(state.observers.values)
        }
        toNotify?.forEach { $0() }
        return toNotify != nil
    }

    /// Runs `action` once when the stop is requested (at once if it already was). Returns a token
    /// for ``removeObserver(_:)``.
    @discardableResult
    func observe(_ action: @escaping @Sendable () -> Void) -> Int {
        let (token, alreadyRequested) = state.withLock { state in
            state.nextToken += 1
            if state.reason == nil { state.observers[state.nextToken] = action }
            return (state.nextToken, state.reason != nil)
        }
        if alreadyRequested { action() }
        return token
    }

    func removeObserver(_ token: Int) {
        _ = state.withLock { $0.observers.removeValue(forKey: token) }
    }
}
