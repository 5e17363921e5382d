import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ShopperIO

/// Delivers `SIGTERM`, `SIGINT` and `SIGHUP` as an `AsyncStream` of ``ServiceSignal``.
///
/// A C signal handler may do almost nothing safely (no locks, no allocation, no Swift runtime).
/// Instead each signal's default action is replaced by `SIG_IGN` — so it can no longer kill the
/// process — and a `DispatchSource` signal source observes it on a private queue and yields it
/// to ordinary async code. Create the listener before anything can take long, so a `SIGTERM`
/// during start-up is not fatal.
///
/// libdispatch registers a signal source asynchronously, on its manager thread; until then a
/// signal meets `SIG_IGN` and is lost. ``waitUntilInstalled(timeout:)`` closes that window (the
/// run loop must not announce `READY=1` while `systemctl stop` could still be ignored).
package final class SignalListener: Sendable {
    /// Signals in arrival order. A signal sent twice before it is handled arrives once (signals
    /// do not queue); a second `SIGTERM` after the first one has been handled arrives again.
    package let signals: AsyncStream<ServiceSignal>
    private let sources: [DispatchSourceHandle]

    package init() {
        let (stream, continuation) = AsyncStream<ServiceSignal>.makeStream(bufferingPolicy: .unbounded)
        let queue = DispatchQueue(label: "shopperd.signals")
        var handles: [DispatchSourceHandle] = []
        for (number, meaning) in [(SIGTERM, ServiceSignal.stop(signal: SIGTERM)),
                                  (SIGINT, .stop(signal: SIGINT)), (SIGHUP, .reload)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(meaning) }
            let handle = DispatchSourceHandle(source)
            handle.activate()
            handles.append(handle)
        }
        let installed = handles
        sources = installed
        signals = stream
        continuation.onTermination = { _ in installed.forEach { $0.cancel() } }
    }

    /// Waits until libdispatch has taken over the three signals, i.e. their disposition is no
    /// longer the `SIG_IGN` set here (on Linux, libdispatch installs its own forwarding handler
    /// next to the `signalfd` it reads). Returns `false` if that did not happen in `timeout`, in
    /// which case a signal in the first moments of start-up may still be missed.
    @discardableResult
    package func waitUntilInstalled(timeout: Duration = .seconds(2)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if [SIGTERM, SIGINT, SIGHUP].allSatisfy({ !Self.isIgnored($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    private static func isIgnored(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        let handler = current.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
        return handler == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Stops listening; the signals stay ignored (a late `SIGTERM` must not kill a daemon that is
    /// already shutting down cleanly).
    package func cancel() {
        sources.forEach { $0.cancel() }
    }

    deinit {
        cancel()
    }
}
