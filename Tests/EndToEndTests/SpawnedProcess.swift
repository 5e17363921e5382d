import Foundation
import ShopperTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child started with `posix_spawn` and reaped by this type (`waitpid`, polled), for programs
/// that close every inherited descriptor before they exec — `systemd-socket-activate` does.
///
/// Foundation's `Process` on Linux learns that a child exited when the child's copy of a socket it
/// passes down closes; a child that closes it early makes Foundation's one manager thread block in
/// `waitpid` for that child until it really exits, and no other `Process` of the test run is reaped
/// meanwhile (seen: the whole suite deadlocked, two tests waiting in `waitUntilExit` on the two
/// cooperative threads the socket-activation test needed to stop its server). Such a program is
/// started here instead, where nothing depends on its descriptors.
final class SpawnedProcess: @unchecked Sendable {  // pid is set once; `reaped` under its lock
    let pid: pid_t
    private let output: TemporaryDirectory
    private let reaped = NSLock()
    private var status: Int32?

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        output = try TemporaryDirectory("spawned")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.file("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, output.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { envp.forEach { free($0) } }
        var cArgv = argv + [nil]
        var cEnvp = envp + [nil]
        var child: pid_t = 0
        let result = cArgv.withUnsafeMutableBufferPointer { a in
            cEnvp.withUnsafeMutableBufferPointer { e in posix_spawn(&child, executable, &actions, nil, a.baseAddress!, e.baseAddress!) }
        }
        guard result == 0 else { throw TestFailure("posix_spawn \(executable): errno \(result)") }
        pid = child
    }

    var stdout: String { (try? String(contentsOfFile: output.file("stdout"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: output.file("stderr"), encoding: .utf8)) ?? "" }

    /// Whether it still runs (reaps it when it has exited).
    var isRunning: Bool {
        reaped.lock()
        defer { reaped.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
        status = raw
        return false
    }

    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Its exit status once it has exited (nil: killed by a signal, or still running after
    /// `timeout`, when it is killed).
    func exitStatus(timeout: Duration = .seconds(60)) async -> Int32? {
        guard await eventually(timeout: timeout, every: .milliseconds(5), { !isRunning }) else {
            kill(pid, SIGKILL)
            _ = await eventually(timeout: .seconds(10), every: .milliseconds(5)) { !isRunning }
            return nil
        }
        let raw = reaped.withLock { status } ?? 0
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }
}
