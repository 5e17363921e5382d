import ShopperDaemon
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// systemd's end of the notify protocol for a daemon the test starts (`shopperd run`, the probe):
/// a ``NotifyListener`` on a fresh path under /tmp, handed to the child as `NOTIFY_SOCKET`, with
/// the waits tests need.
package final class NotifySocket: Sendable {
    private let listener: NotifyListener
    private static let counter = Atomic<Int>(0)

    package init() throws {
        let number = Self.counter.add(1, ordering: .relaxed).newValue
        // Any user may send: a child running as another user (the hardening tests) must reach it.
        listener = try NotifyListener(path: "/tmp/sdnotify-\(getpid())-\(number).sock", anyUser: true)
    }

    package var path: String { listener.path }
    package var datagrams: [NotifyListener.Datagram] { listener.datagrams }
    /// How many datagrams so far: a cursor for "from here on".
    package var count: Int { datagrams.count }

    /// The assignments (`READY=1`, `STATUS=…`) of the datagrams from index `start` on.
    package func assignments(from start: Int = 0) -> [String] { listener.assignments(from: start) }

    /// The `STATUS=` values from index `start` on, in order.
    package func statuses(from start: Int = 0) -> [String] { listener.statuses(from: start) }

    /// Waits until an assignment received at or after datagram `start` satisfies `matches`;
    /// returns the index of the datagram that held it.
    package func waitFor(from start: Int = 0, timeout: Duration = .seconds(60),
                         _ matches: (String) -> Bool) async -> Int? {
        var found: Int?
        _ = await eventually(timeout: timeout, every: .milliseconds(5)) {
            let all = datagrams
            found = all.indices.dropFirst(start).first { all[$0].assignments.contains(where: matches) }
            return found != nil
        }
        return found
    }
}
