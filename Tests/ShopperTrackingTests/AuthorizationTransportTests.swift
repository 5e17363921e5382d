import Foundation
import Synchronization
import Testing
@testable import ShopperTracking

#if canImport(Glibc)
import Glibc
#endif

extension ShopperTrackingSuite {
    /// The real URLSession transport against a loopback socket that answers one canned response:
    /// the Authorization header on the wire, and a 401 challenge reported at once (not a hang).
    @Suite struct AuthorizationTransportTests {
        /// Accepts one connection on 127.0.0.1, keeps the request's head, answers `response`, closes.
        final class OneShotServer: Sendable {
            let port: UInt16
            private let received = Mutex("")

            init(response: String) throws {
                let listener = try TransportTests.SilentListener()
                port = listener.port
                let listening = dup(listener.descriptor)  // the thread's own: the listener closes its copy
                let thread = Thread { [self] in
                    let fd = accept(listening, nil, nil)
                    defer { close(fd); close(listening) }
                    guard fd >= 0 else { return }
                    var head = [UInt8]()
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while !String(decoding: head, as: UTF8.self).contains("\r\n\r\n") {
                        let count = recv(fd, &buffer, buffer.count, 0)
                        if count <= 0 { break }
                        head += buffer[0..<count]
                    }
                    self.received.withLock { $0 = String(decoding: head, as: UTF8.self) }
                    let bytes = Array(response.utf8)
                    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                thread.start()
            }

            /// The request's head (request line and headers), once it was answered.
            var request: String { received.withLock { $0 } }
        }

        static func answer(_ status: String, headers: [String] = [], body: String = "") -> String {
            (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers)
                .joined(separator: "\r\n") + "\r\n\r\n" + body
        }

        @Test func theAuthorizationHeaderIsSent() async throws {
            let server = try OneShotServer(response: Self.answer("200 OK", body: "OK"))
            let credentials = MLflowCredentials(.basic(username: "admin", password: "password1234"), source: "test")
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(server.port)")!,
                                                authorization: credentials.authorization)
            let response = try await transport.send(HTTPRequest(method: .get, path: "/health", timeout: .seconds(10)))
            #expect(response.status == 200)
            let head = server.request.lowercased()
            #expect(head.contains("authorization: basic yWRtaW46cGFzc3dvcmQxMjM0".lowercased()), "\(server.request)")
        }

        /// MLflow's basic-auth app answers a wrong password with `WWW-Authenticate: Basic`, which
        /// Foundation on Linux turns into a challenge that, unanswered, never completes.
        @Test func aChallengeIsReportedAsA401AtOnce() async throws {
            let server = try OneShotServer(response: Self.answer(
                "401 Unauthorized", headers: [#"WWW-Authenticate: Basic realm="mlflow""#], body: "You are not authenticated."))
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(server.port)")!,
                                                authorization: MLflowCredentials(.bearer(token: "wrong"), source: "test").authorization)
            let started = ContinuousClock.now
            let response = try await transport.send(HTTPRequest(method: .get, path: "/api/2.0/mlflow/experiments/get-by-name",
                                                                timeout: .seconds(20)))
            #expect(response.status == 401)
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(server.request.contains("Authorization: Bearer wrong") || server.request.lowercased().contains("authorization: bearer wrong"))
        }
    }
}
