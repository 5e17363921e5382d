import Dispatch
import Foundation
import Synchronization

/// A service manager's end of the notify protocol: an `AF_UNIX` datagram socket bound to a path
/// that a child process gets as `NOTIFY_SOCKET`, recording every datagram it receives.
///
/// Like systemd it reads continuously (a Dispatch read source), not only when a test looks:
/// `sd_notify` blocks once the socket's queue is full (`net.unix.max_dgram_qlen`, 10 here), and the
/// probe, pinging every 100 ms, froze whenever a test spent over a second without reading.
final class NotifySocket: Sendable {
    struct Datagram: Sendable {
        let assignments: [String]
        let receivedAt: ContinuousClock.Instant
    }

    let path: String
    private let fd: Int32
    private let received = Mutex<[Datagram]>([])
    private let reader: ReadSource
    private static let counter = Atomic<Int>(0)

    /// The Dispatch source that drains the socket (Dispatch sources are thread-safe).
    private final class ReadSource: @unchecked Sendable {
        let source: any DispatchSourceRead
        init(_ source: any DispatchSourceRead) { self.source = source }
    }

    init() throws {
        let number = Self.counter.add(1, ordering: .relaxed).newValue
        let socketPath = "/tmp/sdnotify-\(getpid())-\(number).sock"
        unlink(socketPath)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw TestFailure("bind \(socketPath): errno \(errno)")
        }
        chmod(socketPath, 0o666)  // so a child running as another user (hardening test) can send
        path = socketPath
        fd = descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "notify-socket"))
        reader = ReadSource(source)
        source.setCancelHandler { close(descriptor) }
        source.setEventHandler { [weak self] in self?.poll() }
        source.activate()
    }

    /// Reads every datagram waiting on the socket (never blocks).
    private func poll() {
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

    /// All datagrams so far.
    var datagrams: [Datagram] {
        poll()
        return received.withLock { $0 }
    }

    /// How many datagrams have been received so far (a cursor for "after this point").
    var count: Int { datagrams.count }

    /// Assignments received at or after datagram index `start`.
    func assignments(from start: Int = 0) -> [String] {
        let all = datagrams
        return all[min(start, all.count)...].flatMap(\.assignments)
    }

    /// Waits until an assignment received at or after `start` satisfies `matches`; returns the
    /// index of the datagram that held it.
    func waitFor(from start: Int = 0, timeout: Duration = .seconds(20),
                 _ matches: @escaping (String) -> Bool) async -> Int? {
        var found: Int?
        _ = await eventually(timeout: timeout) {
            let all = datagrams
            found = all.indices.dropFirst(start).first { all[$0].assignments.contains(where: matches) }
            return found != nil
        }
        return found
    }

    deinit {
        reader.source.cancel()  // its cancel handler closes the socket
        unlink(path)
    }
}
