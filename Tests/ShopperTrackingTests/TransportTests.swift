import Foundation
import Testing
@testable import ShopperTracking

#if canImport(Glibc)
import Glibc
#endif

extension ShopperTrackingSuite {
    /// The real URLSession transport against real loopback sockets: a closed port, and a server that
    /// accepts connections but never answers.
    @Suite struct TransportTests {
        /// A listening TCP socket on 127.0.0.1 that never reads or answers (the kernel completes the
        /// handshake from the backlog).
        final class SilentListener {
            let descriptor: Int32
            let port: UInt16

            init() throws {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                address.sin_port = 0
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
                }
                guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
                    close(fd)
                    throw POSIXError(.EADDRINUSE)
                }
                _ = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
                descriptor = fd
                port = UInt16(bigEndian: address.sin_port)
            }

            deinit { close(descriptor) }
        }

        @Test func aClosedPortIsRefused() async throws {
            let port: UInt16
            do {
                let listener = try SilentListener()
                port = listener.port
            }  // closed again: nothing listens there now
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            do {
                _ = try await transport.send(HTTPRequest(method: .get, path: "/health", timeout: .seconds(30)))
                Issue.record("a closed port answered")
            } catch {
                #expect(error == .unreachable(url: "http://127.0.0.1:\(port)", reason: "connection refused"))
                #expect(error.isServerUnavailable)
            }
        }

        @Test func aServerThatNeverAnswersTimesOut() async throws {
            let listener = try SilentListener()
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(listener.port)")!)
            let started = ContinuousClock.now
            do {
                _ = try await transport.send(HTTPRequest(method: .post, path: "/api/2.0/mlflow/runs/search", body: Data("{}".utf8),
                                                         contentType: "application/json", timeout: .milliseconds(700)))
                Issue.record("a silent server answered")
            } catch {
                guard case .unreachable(_, let reason) = error, reason.hasPrefix("no answer to POST /api/2.0/mlflow/runs/search within") else {
                    Issue.record("expected unreachable, got \(error)")
                    return
                }
                #expect(error.isServerUnavailable)
            }
            // Ended by the deadline (URLSession's default would wait 60 s); generous upper bound
            // for a loaded machine.
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(650) && elapsed < .seconds(20), "\(elapsed)")
        }
    }
}
