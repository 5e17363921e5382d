/// What the inbox watcher tells the daemon's run loop.
///
/// Deliveries are *at least once*: a file written in place and closed twice, or a file that is both
/// listed by the start-up scan and reported by inotify, arrives twice. The consumer must treat an
/// arrival as "look at this name" (it may be gone, or already done), never as "process blindly".
package enum InboxEvent: Hashable, Sendable {
    /// A complete entry appeared under this name: a file closed after writing, anything renamed
    /// in, or a non-regular entry (symlink, FIFO, socket, device, hard link) that is complete the
    /// moment it exists. The pipeline decides whether it is a valid batch.
    case arrived(InboxFileName)
    /// The kernel's event queue overflowed (`IN_Q_OVERFLOW`): arrivals were lost, so the consumer
    /// must list the inbox again with ``InboxScanner``.
    case rescanNeeded
    /// The inbox itself was deleted, moved away or unmounted: no further events can come. The
    /// stream finishes after this; the daemon should fail so systemd restarts it (and the unit's
    /// tmpfiles.d snippet recreates the directory).
    case inboxLost
}
