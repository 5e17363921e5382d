import Foundation
import Dispatch
import ShopperIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One run of an operator's program — the `--on-event` hook, the mail notifier's `sendmail` —
/// without a shell and with a deadline: `posix_spawn` in a new process group (a timeout kills the
/// program's children too), the arguments as separate argv entries, and none of the service
/// manager's variables in its environment.
///
/// Standard input is /dev/null or the given bytes; standard output and error go to the daemon's
/// stderr (`captureLimit` nil) or are captured together, of which the first `captureLimit` bytes
/// are kept (the rest is read and dropped, so a chatty program never blocks on a full pipe).
package struct ChildProcess: Sendable {
    package var program: String
    package var arguments: [String]
    package var timeoutSeconds: Double
    /// Written to the program's standard input, which is then closed; nil: /dev/null.
    package var input: [UInt8]?
    /// Capture stdout and stderr (this many bytes at most); nil: both go to the daemon's stderr.
    package var captureLimit: Int?

    package init(program: String, arguments: [String], timeoutSeconds: Double, input: [UInt8]? = nil, captureLimit: Int? = nil) {
        self.program = program
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
        self.input = input
        self.captureLimit = captureLimit
    }

    /// How the run ended, and what it printed (empty unless captured).
    package struct Result: Sendable, Equatable {
        package var outcome: HookOutcome
        package var output: [UInt8]
    }

    package func run() async -> Result {
        // Socket pairs, not pipes, both close-on-exec (so no other child inherits our ends): Glibc's
        // module has no pipe2, and a socket takes MSG_NOSIGNAL.
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        var inputPair: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        if input != nil, socketpair(AF_UNIX, streamType, 0, &inputPair) != 0 {
            return Result(outcome: .failedToStart(errno: errno), output: [])
        }
        if captureLimit != nil, socketpair(AF_UNIX, streamType, 0, &outputPipe) != 0 {
            let code = errno
            inputPair.filter { $0 >= 0 }.forEach { close($0) }
            return Result(outcome: .failedToStart(errno: code), output: [])
        }
        let spawned = Self.spawn(program: program, arguments: arguments,
                                 stdin: input == nil ? nil : inputPair[1], output: captureLimit == nil ? nil : outputPipe[1])
        // The child's ends are its own now (or were never used).
        if inputPair[1] >= 0 { close(inputPair[1]) }
        if outputPipe[1] >= 0 { close(outputPipe[1]) }
        let pid: pid_t
        switch spawned {
        case .failure(let error):
            if inputPair[0] >= 0 { close(inputPair[0]) }
            if outputPipe[0] >= 0 { close(outputPipe[0]) }
            return Result(outcome: .failedToStart(errno: error.code), output: [])
        case .success(let child):
            pid = child
        }
        if let input { Self.feed(input, to: inputPair[0]) }
        let collector = captureLimit.map { OutputCollector(descriptor: outputPipe[0], limit: $0) }
        let outcome = await Self.wait(for: pid, timeoutSeconds: timeoutSeconds)
        return Result(outcome: outcome, output: await collector?.finish() ?? [])
    }

    /// Writes `bytes` to a socket on a thread of its own, then closes it: a program that does not
    /// read its input (or dies) must not block the caller. `MSG_NOSIGNAL`: a program that exits
    /// early gives `EPIPE`, never a SIGPIPE, whether or not the process ignores that signal.
    static func feed(_ bytes: [UInt8], to descriptor: Int32) {
        onOwnThread("shopperd.child-input") {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0 {
                    if errno == EINTR { continue }
                    break
                }
                offset += written
            }
            close(descriptor)
        }
    }

    /// Waits for the child on an OS thread of its own (a blocking `waitid`), with the deadline on a
    /// Dispatch timer: neither needs the Swift concurrency pool, which forest training may keep busy,
    /// so a hung program is killed on time whatever the daemon is doing. The blocking waits (this
    /// one, the input writer, the output reader) are never Dispatch blocks, not even on queues of
    /// their own: on Linux every queue runs on libdispatch's pool, which runs about as many blocks
    /// at once as there are cores, so two children blocked in `waitid` on a 2-core machine held
    /// back every deadline timer until one of them ended by itself (seen: a 0.3 s deadline fired
    /// after 36 s, then after 48 s with private queues, under load).
    static func wait(for pid: pid_t, timeoutSeconds: Double) async -> HookOutcome {
        let state = ChildState()
        DispatchQueue(label: "shopperd.hook-deadline").asyncAfter(deadline: .now() + timeoutSeconds) {
            // Only while the child is unreaped, so its pid cannot have been reused.
            if state.markTimedOutIfRunning() {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
        }
        return await withCheckedContinuation { continuation in
            onOwnThread("shopperd.child-wait") {
                var info = siginfo_t()
                while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
                let timedOut = state.markExited()
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                if timedOut {
                    continuation.resume(returning: .timedOut(seconds: timeoutSeconds))
                    return
                }
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? .exited((status >> 8) & 0xff) : .killedBySignal(signal))
            }
        }
    }

    /// posix_spawn in a new process group, with the arguments passed as separate argv entries:
    /// nothing is interpreted by a shell. `stdin` nil: /dev/null; `output` nil: stdout goes to
    /// our stderr and stderr is inherited, else both go to `output`.
    static func spawn(program: String, arguments: [String], stdin: Int32? = nil, output: Int32? = nil) -> Swift.Result<pid_t, SpawnError> {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        }

        let argv = ([program] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cArgv = argv + [nil]
        // The program is not the service: systemd's notification socket and watchdog variables
        // stay with the daemon, or a program could send READY/WATCHDOG on its behalf.
        let environment = hookEnvironment().map { strdup($0) }
        defer { environment.forEach { free($0) } }
        var cEnvironment = environment + [nil]
        var pid: pid_t = 0
        let result = cArgv.withUnsafeMutableBufferPointer { arguments in
            cEnvironment.withUnsafeMutableBufferPointer { environment in
                posix_spawn(&pid, program, &actions, &attributes, arguments.baseAddress!, environment.baseAddress!)
            }
        }
        return result == 0 ? .success(pid) : .failure(SpawnError(code: result))
    }
}

/// This process's environment without the variables that belong to the service manager's
/// conversation with the daemon.
func hookEnvironment(_ entries: [String] = currentEnvironment()) -> [String] {
    entries.filter { entry in
        let name = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
        return !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"].contains(name)
    }
}

/// Runs `body` on an OS thread of its own, for a blocking system call (`waitid`, `read`, `send`):
/// it must not hold one of libdispatch's pool threads (see `ChildProcess.wait`).
func onOwnThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.stackSize = 256 << 10
    thread.start()
}

/// `NAME=value` entries of this process's environment.
func currentEnvironment() -> [String] {
    var result: [String] = []
    var pointer = environ
    while let entry = pointer.pointee {
        result.append(String(cString: entry))
        pointer += 1
    }
    return result
}

/// posix_spawn's error number.
struct SpawnError: Error {
    let code: Int32
}

/// Reads a child's output on a thread of its own until end of file, keeping the first `limit` bytes.
private final class OutputCollector: Sendable {
    private let kept = Mutex<[UInt8]>([])
    private let finished = DispatchSemaphore(value: 0)

    init(descriptor: Int32, limit: Int) {
        onOwnThread("shopperd.child-output") { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                self.kept.withLock { bytes in bytes += buffer.prefix(min(max(0, limit - bytes.count), count)) }
            }
            close(descriptor)
            self.finished.signal()
        }
    }

    /// After the child exited: its output, waiting a moment for the last bytes (a grandchild that
    /// still holds the pipe open is not waited for).
    func finish() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            onOwnThread("shopperd.child-output-wait") {
                _ = self.finished.wait(timeout: .now() + 1)
                continuation.resume(returning: self.kept.withLock { $0 })
            }
        }
    }
}

/// Whether a child has exited or been timed out, whichever happened first.
private final class ChildState: Sendable {
    private let state = Mutex<(exited: Bool, timedOut: Bool)>((false, false))

    /// At the deadline: true (and remembered) when the child is still running.
    func markTimedOutIfRunning() -> Bool {
        state.withLock { state in
            guard !state.exited else { return false }
            state.timedOut = true
            return true
        }
    }

    /// When the child has exited (not yet reaped): whether it had been timed out.
    func markExited() -> Bool {
        state.withLock { state in
            state.exited = true
            return state.timedOut
        }
    }
}
