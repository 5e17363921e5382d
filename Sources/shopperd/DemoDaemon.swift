import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The demo's daemon: this binary's `run`, started as a real child process with a notification
/// socket of the demo's own (so "ready" means systemd's READY=1, not a guess) and its JSON events
/// in `daemon.log`.
final class DemoDaemon: @unchecked Sendable {
    let process: Process
    let logPath: String
    private let socketFD: Int32
    private let socketPath: String

    private init(process: Process, logPath: String, socketFD: Int32, socketPath: String) {
        self.process = process
        self.logPath = logPath
        self.socketFD = socketFD
        self.socketPath = socketPath
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    static func start(arguments: [String], workDirectory: String) throws -> DemoDaemon {
        let socketPath = workDirectory + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("cannot create the notification socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw ValidationError("the working directory path is too long for a socket: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in pathBytes.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw ValidationError("cannot bind \(socketPath): \(String(cString: strerror(errno)))")
        }

        let logPath = workDirectory + "/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SelfExecutable.path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socketPath
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(fd)
            throw ValidationError("cannot start the daemon (\(SelfExecutable.path) run): \(error.localizedDescription)")
        }
        return DemoDaemon(process: process, logPath: logPath, socketFD: fd, socketPath: socketPath)
    }

    /// Waits for READY=1 on the notification socket; returns how long it took. From then on a
    /// thread keeps reading the socket (as systemd would): a notification socket nobody reads
    /// fills up, and the daemon's next `sd_notify` would wait for room.
    func waitUntilReady(timeout: Duration) throws -> Duration {
        let started = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now - started < timeout {
            var poller = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 200) > 0 {
                let count = recv(socketFD, &buffer, buffer.count, 0)
                if count > 0, String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").contains("READY=1") {
                    startDraining()
                    return ContinuousClock.now - started
                }
            }
            guard process.isRunning else {
                throw ValidationError("the daemon exited during start-up (status \(process.terminationStatus)); see \(logPath)")
            }
        }
        throw ValidationError("the daemon was not ready after \(timeout); see \(logPath)")
    }

    /// The last `STATUS=` the daemon sent.
    var lastStatus: String { statusLock.withLock { status } }
    private let statusLock = NSLock()
    private var status = ""

    private func startDraining() {
        let fd = socketFD
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0 && errno != EINTR { return }
                guard count > 0 else { continue }
                for line in String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n") where line.hasPrefix("STATUS=") {
                    let text = String(line.dropFirst(7))
                    statusLock.withLock { status = text }
                }
            }
        }
    }

    /// SIGTERM, then waits for the exit status.
    func terminate() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Best-effort cleanup (on an error path).
    func stop() {
        if process.isRunning { _ = terminate() }
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
        unlink(socketPath)
    }
}

/// This binary's own path (`/proc/self/exe`), so the demo starts the very same build as its daemon.
enum SelfExecutable {
    static var path: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
