import ShopperIO

/// How one run of the operator's `--on-event` program (or any `ChildProcess`) ended.
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
/// it in a task of its own, and a hung hook's whole process group is killed at the deadline
/// (`ChildProcess`).
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
        return await ChildProcess(program: program, arguments: [event, reportPath], timeoutSeconds: timeoutSeconds).run().outcome
    }
}
