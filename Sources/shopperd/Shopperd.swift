import ArgumentParser
import Dispatch
import ShopperCore
import ShopperDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The process's entry point.
///
/// On Linux, libdispatch (since swift-corelibs-libdispatch PR #842) starts each worker thread
/// with `setpriority(PRIO_PROCESS, 0, nice)` from its queue's QoS: -2 for user-initiated, -4 for
/// user-interactive. Lowering a nice value needs `CAP_SYS_NICE`, which the hardened unit (user
/// `shopperd`, no capabilities) rightly lacks, so each such thread logged "Failed to set thread
/// priority for worker thread … errno=13" to syslog, i.e. the journal, on every start. Two causes:
/// - queues that asked for user-initiated QoS: GRDB's (its default) and the SHA-256 on the
///   second core. They run at default QoS now (nice 0: what the service has), see
///   `ShopperStore.open` and `BatchReader`;
/// - libdispatch's own event manager (every timer and dispatch source: `Task.sleep`, signals,
///   inotify, child processes), whose root queue is hard-coded user-interactive. No choice in this
///   program changes it, and granting the priority (CAP_SYS_NICE, `LimitNICE=`, `Nice=-4`) would
///   widen the sandbox. Its request is refused harmlessly (the thread runs at nice 0, like every
///   other), so libdispatch's logger is turned off (`LIBDISPATCH_LOG=NO`) before any thread can
///   log: the daemon's journal holds its own structured events only. An operator who sets
///   `LIBDISPATCH_LOG` (`syslog`, `stderr`) gets libdispatch's messages back.
///
/// Synchronous on purpose: an `async` main would already be running dispatch work when its first
/// line executes. Everything then runs in one detached task of default priority.
@main
enum ShopperdMain {
    static func main() {
        setenv("LIBDISPATCH_LOG", "NO", 0)
        Task.detached(priority: .medium) {
            refuseABadDaemonCommandLine()
            await Shopperd.main()
            exit(0)
        }
        dispatchMain()
    }

    /// `shopperd run` with a command line that does not parse (a typo in the unit's `ExecStart=`)
    /// is a start-up error like a bad setting: reported as a `service-start-refused` journal event
    /// at priority err (ArgumentParser alone would print it to stderr, which systemd files at
    /// info), exit 64 (EX_USAGE), which the unit does not restart.
    static func refuseABadDaemonCommandLine() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == "run" else { return }
        do {
            _ = try Shopperd.parseAsRoot(arguments)
        } catch {
            let code = Shopperd.exitCode(for: error)
            guard code != .success else { return }  // --help: ArgumentParser prints it
            let target = arguments.firstIndex(of: "--log-target").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
            StartFailure.report("shopperd run: \(Shopperd.message(for: error)) (see shopperd run --help)", exitStatus: code.rawValue,
                                logTarget: target.flatMap(LogTarget.init(rawValue:)) ?? .auto)
            exit(code.rawValue)
        }
    }
}

struct Shopperd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shopperd",
        abstract: "A self-healing MLOps pipeline for e-commerce purchase intent.",
        version: ShopperdVersion.current,
        subcommands: [
            DemoCommand.self,
            RunCommand.self,
            ReloadCommand.self,
            RolloutCommand.self,
            StatusCommand.self,
            HistoryCommand.self,
            PerformanceCommand.self,
            IngestCommand.self,
            VersionsCommand.self,
            ShowCommand.self,
            DriftCommand.self,
            TrainCommand.self,
            ModelsCommand.self,
            ScoreCommand.self,
            ServeCommand.self,
            MLflowCommand.self,
            NotifyCommand.self,
        ]
    )
}
