import Dispatch
import ShopperIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How one run of the operator's `--on-event` program ended.
package enum HookOutcome: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case killedBySignal(Int32)
    /// Still running at the deadline: its process group was killed.
    case timedOut(seconds: Double)
    case failedToStart(errno: Int32)
    /// More hooks were already running than allowed; this one was not started.
    case skippedBusy(running: Int)

    package var succeeded: Bool { self == .exited(0) }

    package var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .killedBySignal(let signal): "killed by signal \(signal)"
        case .timedOut(let seconds): "still running after \(seconds) s: killed"
        case .failedToStart(let code): "could not start: \(ErrnoText.message(code))"
        case .skippedBusy(let running): "not started: \(running) hooks still running"
        }
    }
}

/// Runs the operator's notification program — `PROGRAM EVENT REPORT_PATH`, no shell, stdin from
/// /dev/null, stdout sent to our stderr — with a deadline, so a mail or chat hook can alert on
/// drift, promotion, rejection or a skipped retrain without ever holding up a batch: callers start
/// it in a task of its own, and a hung hook's whole process group is killed at the deadline.
package actor EventHook {
    package nonisolated let program: String
    package nonisolated let timeoutSeconds: Double
    package let maxRunning: Int
    private var running = 0

    package init(program: String, timeoutSeconds: Double = 10, maxRunning: Int = 4) {
        self.program = program
        self.timeoutSeconds = timeoutSeconds
        self.maxRunning = maxRunning
    }

    package func run(event: String, reportPath: String) async -> HookOutcome {
        guard running < maxRunning else { return .skippedBusy(running: running) }
        running += 1
        defer { running -= 1 }
        switch Self.spawn(program: program, arguments: [event, reportPath]) {
        case .failure(let error):
            return .failedToStart(errno: error.code)
        case .success(let pid):
            return await Self.wait(for: pid, timeoutSeconds: timeoutSeconds)
        }
    }

    /// Waits for the child on a Dispatch thread (a blocking `waitpid`), with the deadline on a
    /// Dispatch timer: neither needs the Swift concurrency pool, which forest training may keep busy,
    /// so a hung hook is killed on time whatever the daemon is doing. Both run on queues of their
    /// own, not `DispatchQueue.global()`: the global queue runs as many blocks at once as there are
    /// cores, so two hooks blocked in `waitid` on a 2-core machine would hold back every deadline
    /// timer until one of them ended by itself (seen: a 0.3 s deadline fired after 36 s under load).
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
            DispatchQueue(label: "shopperd.hook-wait").async {
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

    /// posix_spawn in a new process group (so a timeout kills the hook's children too), with the
    /// arguments passed as separate argv entries: nothing is interpreted by a shell.
    static func spawn(program: String, arguments: [String]) -> Result<pid_t, SpawnError> {
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
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)

        let argv = ([program] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cArgv = argv + [nil]
        // The hook is not the service: systemd's notification socket and watchdog variables stay
        // with the daemon, or a hook could send READY/WATCHDOG on its behalf.
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

/// Whether a hook's child has exited or been timed out, whichever happened first.
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
