/// The event log cannot be set up as the operator asked.
package enum EventLogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--log-target journal` was given but there is no journal socket.
    case journalUnavailable(socket: String)

    package var description: String {
        switch self {
        case let .journalUnavailable(socket):
            "--log-target journal: no journal socket at \(socket); start systemd-journald or use --log-target stderr"
        }
    }
}
