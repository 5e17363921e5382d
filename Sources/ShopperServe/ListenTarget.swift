import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Where `shopperd serve` takes connections from: an address it binds itself (`--listen`), or a
/// listening socket systemd bound and passed (socket activation, `shopperd-serve.socket`).
package enum ListenTarget: Sendable, Equatable {
    case address(host: String, port: Int)
    /// A listening stream socket already bound by the parent; the process binds nothing.
    case inherited(descriptor: Int32)

    /// The socket systemd passed (`LISTEN_FDS`/`LISTEN_PID`, read by libsystemd's
    /// `sd_listen_fds`), or nil when none was passed to this process. The variables are unset
    /// either way, so a child process (an `--on-event` hook, say) never inherits them. Exactly
    /// one listening TCP stream socket is accepted: anything else is a unit mistake, named.
    package static func fromSystemd() throws(ListenTargetError) -> ListenTarget? {
        let count = sd_listen_fds(1)
        if count < 0 { throw .unreadable(errno: -count) }
        if count == 0 { return nil }
        guard count == 1 else { throw .tooMany(count) }
        let descriptor = SD_LISTEN_FDS_START
        let inet4 = sd_is_socket_inet(descriptor, Int32(AF_INET), Int32(SOCK_STREAM.rawValue), 1, 0)
        let inet6 = sd_is_socket_inet(descriptor, Int32(AF_INET6), Int32(SOCK_STREAM.rawValue), 1, 0)
        guard inet4 > 0 || inet6 > 0 else { throw .notListeningTCP(descriptor: descriptor) }
        return .inherited(descriptor: descriptor)
    }

    /// `HOST:PORT` of a bound socket (`[::1]:8080` for IPv6), read from the kernel.
    package static func localAddress(of descriptor: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let found = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard found == 0 else { return nil }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let portText = String(decoding: port.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (hostText.contains(":") ? "[\(hostText)]" : hostText) + ":" + portText
    }
}

/// Why the sockets systemd passed cannot be served on.
package enum ListenTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(errno: Int32)
    case tooMany(Int32)
    case notListeningTCP(descriptor: Int32)

    package var description: String {
        switch self {
        case .unreadable(let code):
            "LISTEN_FDS/LISTEN_PID cannot be read (\(String(cString: strerror(code)))): check the socket unit"
        case .tooMany(let count):
            "systemd passed \(count) sockets; shopperd serve takes exactly one: give shopperd-serve.socket a single ListenStream="
        case .notListeningTCP(let descriptor):
            "the socket systemd passed (descriptor \(descriptor)) is not a listening TCP stream socket: use ListenStream=HOST:PORT and Accept=no"
        }
    }
}
