import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Delivers `SIGTERM`, `SIGINT` and `SIGHUP` as an `AsyncStream` of ``ServiceSignal``.
///
/// A C signal handler may do almost nothing safely (no locks, no allocation, no Swift runtime).
/// Instead each signal's default action is replaced by `SIG_IGN` — so it can no longer kill the
/// process — and a `DispatchSource` signal source observes it on a private queue and yields it
/// to ordinary async code. Create the listener before anything can take long, so a `SIGTERM`
/// during start-up is not fatal.
public final class SignalListener: Sendable {
    /// Signals in arrival order. A signal sent twice before it is handled arrives once (signals
    /// do not queue); a second `SIGTERM` after the first one has been handled arrives again.
    public let signals: AsyncStream<ServiceSignal>
    private let sources: [DispatchSourceHandle]

    public init() {
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

    /// Stops listening; the signals stay ignored (a late `SIGTERM` must not kill a daemon that is
    /// already shutting down cleanly).
    public func cancel() {
        sources.forEach { $0.cancel() }
    }

    deinit {
        cancel()
    }
}
