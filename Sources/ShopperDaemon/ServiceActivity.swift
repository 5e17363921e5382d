import ShopperInbox
/// What the daemon is doing right now, the first part of its `STATUS=` line.
package enum ServiceActivity: Equatable, Sendable {
    case starting
    case idle
    case processing(InboxFileName)
    case stuck(InboxFileName, limit: Duration)
    case silent(limit: Duration)
    case stopping
}
