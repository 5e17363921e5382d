import ShopperInbox
/// The verdict of ``HealthMonitor`` at one instant.
package enum Health: Equatable, Sendable {
    /// Pings go on.
    case healthy
    /// A batch has been running longer than ``HealthPolicy/stuckLimit``.
    case stuck(batch: InboxFileName, running: Duration)
    /// Idle with no heartbeat for longer than ``HealthPolicy/silenceLimit``.
    case silent(for: Duration)

    package var isHealthy: Bool { self == .healthy }
}
