import Foundation
import ShopperTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd serve` started the way systemd starts it from `shopperd-serve.socket`: by
/// `systemd-socket-activate` (systemd's own code for LISTEN_FDS/LISTEN_PID), which binds the
/// socket, sets the variables for its own pid and execs the server in place. Started as a
/// `SpawnedProcess`, not a Foundation `Process`: it closes every inherited descriptor.
@Suite(.serialized) struct ServeSocketActivationTests {
    static let launcher = "/usr/bin/systemd-socket-activate"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: launcher), "needs systemd-socket-activate (apt install systemd)"))
    func servesOnThePassedSocketAndBindsNoneOfItsOwn() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let port = try Self.freePort()
        let server = try SpawnedProcess(
            executable: Self.launcher, arguments: ["-l", "127.0.0.1:\(port)", ShopperdBinary.url.path, "serve", "--state", workspace.state],
            environment: DaemonProcess.cleanEnvironment())
        defer { if server.isRunning { server.send(SIGKILL) } }
        let http = LoopbackHTTP(port: port)
        var ready: LoopbackHTTP.Answer?
        _ = await eventually(timeout: .seconds(30)) {
            ready = try? http.get("/v2/health/ready")
            return ready != nil || !server.isRunning
        }
        #expect(ready?.status == 200, "no answer on the passed socket; stderr: \(server.stderr)")
        #expect(ready?.json["model_version"] as? Int == 1)
        #expect(server.stdout.contains("listening on 127.0.0.1:\(port) (socket from systemd)"), "stdout: \(server.stdout)")

        // The only listening socket the process holds is the one it was given: it bound nothing.
        let listening = try Self.listeningPorts(of: server.pid)
        #expect(listening == [port], "listening sockets of shopperd serve: \(listening)")
        let scored = try http.post("/invocations", contentType: "text/csv", body: Data(ServeFixture.csv(try ServeFixture.sessions(3)).utf8))
        #expect(scored.status == 200, "\(scored.text)")
        #expect(ServeFixture.predictions(scored).count == 3)

        server.send(SIGTERM)
        #expect(await server.exitStatus(timeout: .seconds(30)) == 0, "stderr: \(server.stderr)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: launcher), "needs systemd-socket-activate (apt install systemd)"))
    func listenTogetherWithAPassedSocketIsRefused() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let port = try Self.freePort()
        let server = try SpawnedProcess(
            executable: Self.launcher,
            arguments: ["-l", "127.0.0.1:\(port)", ShopperdBinary.url.path, "serve", "--state", workspace.state, "--listen", "127.0.0.1:0"],
            environment: DaemonProcess.cleanEnvironment())
        defer { if server.isRunning { server.send(SIGKILL) } }
        // The launcher may wait for a first connection before it starts the server.
        _ = await eventually(timeout: .seconds(30)) {
            _ = try? LoopbackHTTP(port: port).get("/ping")
            return !server.isRunning
        }
        #expect(await server.exitStatus(timeout: .seconds(30)) == 64)
        #expect(server.stderr.contains("--listen 127.0.0.1:0 given, but systemd passed a listening socket"), "stderr: \(server.stderr)")
    }

    /// A port nothing listens on now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DaemonTestError("cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The ports of the TCP sockets in LISTEN state that process `pid` holds a descriptor of
    /// (`/proc/PID/fd` socket inodes matched against `/proc/net/tcp{,6}`).
    static func listeningPorts(of pid: Int32) throws -> [Int] {
        let fdDirectory = "/proc/\(pid)/fd"
        let inodes = Set(try FileManager.default.contentsOfDirectory(atPath: fdDirectory).compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst(8).dropLast())
        })
        var ports: [Int] = []
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                      let port = Int(fields[1].split(separator: ":").last ?? "", radix: 16) else { continue }
                ports.append(port)
            }
        }
        return ports.sorted()
    }
}
