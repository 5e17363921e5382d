import ArgumentParser
import Dispatch
import ShopperCore
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
            await Shopperd.main()
            exit(0)
        }
        dispatchMain()
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
            MLflowCommand.self,
        ]
    )
}
