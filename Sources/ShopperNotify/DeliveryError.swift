/// Why a notification was not delivered, and whether trying again may help.
///
/// The messages name the channel, the status or exit code and what the other side said; they
/// never hold a webhook URL (the URL is the secret that lets anyone post to the channel) nor
/// credentials, so they can go to the journal and the `notifications` table as they are.
package enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth retrying later: a timeout, a refused connection, a busy server, a deferred MTA.
    case transient(String)
    /// Retrying the same message will fail again: fix the settings (or the MTA) first.
    case permanent(String)

    package var isTransient: Bool {
        if case .transient = self { return true }
        return false
    }

    package var message: String {
        switch self {
        case .transient(let message), .permanent(let message): message
        }
    }

    package var description: String {
        switch self {
        case .transient(let message): "transient: \(message)"
        case .permanent(let message): "permanent: \(message)"
        }
    }
}
