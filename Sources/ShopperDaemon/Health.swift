/// The verdict of ``HealthMonitor`` at one instant.
public enum Health: Equatable, Sendable {
    /// Pings go on.
    case healthy
    /// A batch has been running longer than ``HealthPolicy/stuckLimit``.
    case stuck(batch: InboxFileName, running: Duration)
    /// Idle with no heartbeat for longer than ``HealthPolicy/silenceLimit``.
    case silent(for: Duration)

    public var isHealthy: Bool { self == .healthy }
}
