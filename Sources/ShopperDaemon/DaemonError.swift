/// What can end the daemon's run loop with a failure (systemd restarts it).
package enum DaemonError: Error, CustomStringConvertible {
    case inboxLost(String)

    package var description: String {
        switch self {
        case .inboxLost(let path):
            "the inbox \(path) was removed, moved or unmounted; recreate it (systemd-tmpfiles --create) and restart"
        }
    }
}
