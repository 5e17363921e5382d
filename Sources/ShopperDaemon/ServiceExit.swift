/// How the daemon's process should exit; systemd's `Restart=on-failure` restarts on `failure`.
public enum ServiceExit: Int32, Sendable {
    /// Stopped on request (or the run loop ended normally): exit 0, no restart.
    case success = 0
    /// The run loop failed: exit 1, systemd restarts the service.
    case failure = 1
}
