/// When the daemon counts as unhealthy, i.e. when watchdog pings must stop.
package struct HealthPolicy: Equatable, Sendable {
    /// A batch running longer than this is stuck. Set it well above the slowest legitimate batch
    /// (a retrain included): a false alarm restarts the daemon mid-batch (safe, but wasted work).
    package var stuckLimit: Duration
    /// When set, an idle daemon that has not called ``HealthMonitor/heartbeat(at:)`` for this long
    /// is unhealthy too (a wedged run loop). `nil`: idle is always healthy, which suits a run loop
    /// that only wakes up for inbox events.
    package var silenceLimit: Duration?

    package init(stuckLimit: Duration, silenceLimit: Duration? = nil) {
        precondition(stuckLimit > .zero, "the stuck limit must be positive")
        self.stuckLimit = stuckLimit
        self.silenceLimit = silenceLimit
    }
}
