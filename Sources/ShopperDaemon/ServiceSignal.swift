import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A signal the service reacts to, as the run loop sees it.
package enum ServiceSignal: Equatable, Sendable {
    /// `SIGTERM` (systemctl stop) or `SIGINT` (Ctrl-C): stop gracefully, exit 0.
    case stop(signal: Int32)
    /// `SIGHUP` (systemctl reload, via the unit's `ExecReload=`): read the configuration again.
    case reload

    /// What a signal caught by ``SignalListener`` asks for: `SIGHUP` reloads, the others stop.
    init(_ caught: UnixSignal) {
        self = caught == .sighup ? .reload : .stop(signal: caught.rawValue)
    }

    /// `SIGTERM`, `SIGINT` or `SIGHUP` by name, for messages.
    package var name: String {
        switch self {
        case .reload: "SIGHUP"
        case let .stop(signal): signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        }
    }
}
