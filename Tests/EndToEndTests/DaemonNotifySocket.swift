import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// systemd's end of the notify protocol for the real daemon: an `AF_UNIX` datagram socket the test
/// binds and hands to `shopperd run` as `NOTIFY_SOCKET`, keeping every datagram with the time it
/// was read. (ShopperDaemonTests has its own for the probe daemon; test targets cannot share
/// sources without a support target.)
///
/// Like systemd it reads continuously (a Dispatch read source), not only when the test looks:
/// `sd_notify` blocks once the socket's queue is full (`net.unix.max_dgram_qlen`, 10 here), and a
/// daemon whose notifications stall stalls with them.
final class DaemonNotifySocket: Sendable {
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
        let socketPath = "/tmp/shopperd-e2e-notify-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue).sock"
        unlink(socketPath)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw DaemonTestError("socket: errno \(errno)") }
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
            throw DaemonTestError("bind \(socketPath): errno \(errno)")
        }
        path = socketPath
        fd = descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "notify-socket"))
        reader = ReadSource(source)
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

    var datagrams: [Datagram] {
        drain()
        return received.withLock { $0 }
    }

    /// How many datagrams so far: a cursor for "from here on".
    var count: Int { datagrams.count }

    /// The assignments (`READY=1`, `STATUS=…`) of the datagrams from index `start` on.
    func assignments(from start: Int = 0) -> [String] {
        let all = datagrams
        return all[min(start, all.count)...].flatMap(\.assignments)
    }

    /// The `STATUS=` values from index `start` on, in order.
    func statuses(from start: Int = 0) -> [String] {
        assignments(from: start).filter { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) }
    }

    /// Waits for an assignment matching `matches` at or after datagram `start`; the index of its
    /// datagram.
    func waitFor(from start: Int = 0, timeout: Duration = .seconds(60), _ matches: (String) -> Bool) async -> Int? {
        var found: Int?
        _ = await waitUntil(timeout: timeout, every: .milliseconds(5)) {
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
