import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ShopperIO

/// `SIGTERM`, `SIGINT` and `SIGHUP` as an async sequence, through swift-service-lifecycle's
/// `UnixSignalsSequence`.
///
/// A C signal handler may do almost nothing safely, so the signals are observed by libdispatch
/// signal sources and handed to ordinary async code. Each signal's default action is first replaced
/// by `SIG_IGN`, so one that comes before the sources are registered is lost rather than fatal;
/// ``listen()`` returns once libdispatch has registered them (its registration handlers have run),
/// so the run loop never announces `READY=1` while `systemctl stop` could still be ignored.
enum SignalListener {
    static func listen() async -> UnixSignalsSequence {
        for number in [SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_IGN) }
        return await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
    }
}
