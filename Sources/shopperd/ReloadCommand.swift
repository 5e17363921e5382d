import ArgumentParser
import Foundation
import ShopperDaemon

/// `shopperd reload`: asks a running daemon to re-read its configuration and waits for its
/// verdict, so a refused configuration fails the command. The unit's `ExecReload=` runs it, which
/// makes `systemctl reload shopperd` fail on a refused configuration (`kill -HUP` could not).
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make a running daemon re-read its configuration; fail if it refuses it.",
        discussion: """
            Sends SIGHUP to the daemon and waits for the verdict it publishes in reload.json (in \
            $RUNTIME_DIRECTORY under systemd, else in the --state directory). Exit status: 0 the new \
            configuration applies; 78 it was refused (the previous one stays in force; the message \
            says why); 69 the daemon could not be signalled, exited, or gave no verdict in time.
            """)

    @Option(help: ArgumentHelp("The daemon's process id (the unit passes $MAINPID).", valueName: "PID"))
    var pid: Int32

    @Option(help: ArgumentHelp("The daemon's state directory, where the verdict is published outside systemd.", valueName: "DIR"))
    var state: String = "./state"

    @Option(help: ArgumentHelp("How long to wait for the verdict.", valueName: "SECONDS"))
    var timeout: Double = 60

    func validate() throws {
        guard pid > 0 else { throw ValidationError("--pid must be a process id (the unit passes $MAINPID)") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let verdicts = ReloadVerdictFile(state: state)
        do {
            let verdict = try await verdicts.requestReload(of: pid, timeout: .milliseconds(Int64(timeout * 1000)))
            if verdict.accepted {
                print("shopperd \(pid) reloaded its configuration: \(verdict.message)")
            } else {
                Terminal.error("shopperd \(pid) refused the new configuration and keeps the previous one: \(verdict.message)")
                throw ExitCode(78)  // EX_CONFIG
            }
        } catch let error as ReloadRequestError {
            Terminal.error("shopperd reload: \(error)")
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
    }
}
