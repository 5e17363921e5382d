import ShopperIO
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A service manager's end of the notify protocol: an `AF_UNIX` datagram socket bound to a path
/// that a child process gets as `NOTIFY_SOCKET`, keeping every datagram with the time it was read.
///
/// Used by `shopperd demo` (its daemon's `READY=1` and `STATUS=`) and by the tests. Like systemd it
/// reads continuously (a Dispatch read source), not only when someone looks: `sd_notify` blocks
/// once the socket's queue is full (`net.unix.max_dgram_qlen`, often 10), and a daemon whose
/// notifications stall stalls with them.
package final class NotifyListener: Sendable {
    /// One datagram: its `KEY=value` assignments, and when it was read.
    package struct Datagram: Sendable {
        package let assignments: [String]
        package let receivedAt: ContinuousClock.Instant
    }

    package let path: String
    private let fd: Int32
    private let received = Mutex<[Datagram]>([])
    private let reader: DispatchSourceHandle

    /// Binds a fresh socket at `path` (a stale socket file there is replaced). `anyUser` lets a
    /// child running as another user send to it (mode 0666).
    package init(path: String, anyUser: Bool = false) throws(NotifyListenerError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        unlink(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(errno: errno) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw .bind(path: path, errno: code)
        }
        if anyUser { chmod(path, 0o666) }
        self.path = path
        fd = descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "shopperd.notify-listener"))
        reader = DispatchSourceHandle(source)
        source.setCancelHandler { close(descriptor) }
        source.setEventHandler { [weak self] in self?.drain() }
        source.activate()
    }

    /// Reads what waits on the socket (never blocks); the receive time is when it was read.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 8192)
        received.withLock { datagrams in
            while true {
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard count > 0 else { return }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                datagrams.append(Datagram(assignments: text.split(separator: "\n").map(String.init), receivedAt: .now))
            }
        }
    }

    /// Every datagram so far, oldest first.
    package var datagrams: [Datagram] {
        drain()
        return received.withLock { $0 }
    }

    /// The assignments (`READY=1`, `STATUS=…`) of the datagrams from index `start` on.
    package func assignments(from start: Int = 0) -> [String] {
        let all = datagrams
        return all[min(start, all.count)...].flatMap(\.assignments)
    }

    /// The `STATUS=` values from index `start` on, in order.
    package func statuses(from start: Int = 0) -> [String] {
        assignments(from: start).filter { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) }
    }

    deinit {
        reader.cancel()  // its cancel handler closes the socket
        unlink(path)
    }
}

/// The notify socket could not be set up.
package enum NotifyListenerError: Error, Equatable, Sendable, CustomStringConvertible {
    case pathTooLong(String)
    case socket(errno: Int32)
    case bind(path: String, errno: Int32)

    package var description: String {
        switch self {
        case let .pathTooLong(path):
            "the notification socket path is too long for AF_UNIX (108 bytes): \(path); use a shorter directory"
        case let .socket(code):
            "cannot create the notification socket: \(ErrnoText.describe(code))"
        case let .bind(path, code):
            "cannot bind the notification socket \(path): \(ErrnoText.describe(code))"
        }
    }
}
