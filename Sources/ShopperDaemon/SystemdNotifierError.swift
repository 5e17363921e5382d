import ShopperIO
/// A notification could not be delivered to the service manager.
package enum SystemdNotifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sd_notify` failed: the socket named by `NOTIFY_SOCKET` is gone or refuses datagrams.
    case sendFailed(state: String, errno: Int32)

    package var description: String {
        switch self {
        case let .sendFailed(state, code):
            let first = state.split(separator: "\n").first.map(String.init) ?? state
            return "cannot notify the service manager (\(first)): \(ErrnoText.describe(code)); "
                + "if NOTIFY_SOCKET is stale, restart the service with systemctl"
        }
    }
}
