import Foundation
import ShopperPipeline
import Testing

extension DaemonEndToEndTests {
    /// `shopperd run`'s configuration on the real binary: a JSON file, `SHOPPERD_*` environment
    /// variables and the command line, in that order of precedence; refusals with exit status 78
    /// (EX_CONFIG); SIGHUP reloading the file into the running daemon.
    @Suite struct DaemonConfigTests {
        func writeConfig(_ workspace: DaemonWorkspace, _ json: String) throws -> String {
            let path = workspace.root + "/shopperd.json"
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        @Test func theFileIsOverriddenByTheEnvironmentWhichIsOverriddenByTheCommandLine() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let config = try writeConfig(workspace, #"{"drift": {"alpha": 0.01}}"#)

            try workspace.write(DaemonBatches.stationary(part: 0), as: "from-file.csv")
            let fileOnly = try await workspace.runOnce(["--config", config])
            #expect(await fileOnly.exitStatus() == 0, "\(fileOnly.stderr)")
            #expect(try workspace.report("from-file").drift?.alpha == 0.01)

            try workspace.write(DaemonBatches.stationary(part: 1), as: "from-environment.csv")
            let environment = try await workspace.runOnce(["--config", config], environment: ["SHOPPERD_DRIFT_ALPHA": "0.02"])
            #expect(await environment.exitStatus() == 0, "\(environment.stderr)")
            #expect(try workspace.report("from-environment").drift?.alpha == 0.02)

            try workspace.write(DaemonBatches.stationary(part: 2), as: "from-command-line.csv")
            let elsewhere = workspace.root + "/outbox-from-environment"
            let commandLine = try await workspace.runOnce(
                ["--config", config, "--set", "drift.alpha=0.03"],
                environment: ["SHOPPERD_DRIFT_ALPHA": "0.02", "SHOPPERD_OUTBOX": elsewhere])
            #expect(await commandLine.exitStatus() == 0, "\(commandLine.stderr)")
            #expect(try workspace.report("from-command-line").drift?.alpha == 0.03)
            // A named option (--outbox, given by the workspace) beats the environment too.
            #expect(!FileManager.default.fileExists(atPath: elsewhere))
        }

        @Test func unknownKeysAndInvalidValuesExitSeventyEightNamingKeyAndLayer() async throws {
            let workspace = try DaemonWorkspace()
            try workspace.write(DaemonBatches.stationary(part: 0), as: "untouched.csv")

            let typo = try writeConfig(workspace, #"{"drift": {"alpah": 0.01}}"#)
            let inFile = try await workspace.runOnce(["--config", typo])
            #expect(await inFile.exitStatus() == 78)
            #expect(inFile.stderr.contains(#"unknown setting "drift.alpah" in \#(typo); `shopperd run --help` lists the settings"#), "\(inFile.stderr)")

            let onCommandLine = try await workspace.runOnce(["--set", "retrain.min-labeled-rows=10"])
            #expect(await onCommandLine.exitStatus() == 78)
            #expect(onCommandLine.stderr.contains(#"unknown setting "retrain.min-labeled-rows" in the command line"#), "\(onCommandLine.stderr)")

            let invalid = try await workspace.runOnce([], environment: ["SHOPPERD_DRIFT_ALPHA": "2"])
            #expect(await invalid.exitStatus() == 78)
            #expect(invalid.stderr.contains(#"setting "drift.alpha" = "2" is invalid: expected a number strictly between 0.0 and 1.0 (SHOPPERD_DRIFT_ALPHA in the environment)"#), "\(invalid.stderr)")

            let notJSON = try writeConfig(workspace, "drift.alpha = 0.01\n")
            let unreadable = try await workspace.runOnce(["--config", notJSON])
            #expect(await unreadable.exitStatus() == 78)
            #expect(unreadable.stderr.contains("cannot read the configuration file \(notJSON): not valid JSON"), "\(unreadable.stderr)")

            // The daemon proper refuses the same way, before touching anything.
            let daemon = try DaemonProcess(arguments: workspace.runArguments(["--config", typo]), directory: workspace.root)
            #expect(await daemon.exitStatus() == 78)
            #expect(workspace.inboxFiles == ["untouched.csv"])
            #expect(!FileManager.default.fileExists(atPath: workspace.state) && !FileManager.default.fileExists(atPath: workspace.outbox))
        }

        @Test func sighupReloadsTheFileAndTheNextBatchUsesTheNewValue() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let config = try writeConfig(workspace, #"{"drift": {"alpha": 0.05}}"#)
            let socket = try DaemonNotifySocket()
            let daemon = try await workspace.start(["--config", config], environment: ["NOTIFY_SOCKET": socket.path])

            try workspace.deliver(DaemonBatches.stationary(part: 0), as: "before.csv")
            #expect(await workspace.waitForOutcome("before"))
            #expect(try workspace.report("before").drift?.alpha == 0.05)

            _ = try writeConfig(workspace, #"{"drift": {"alpha": 0.01, "correction": "bonferroni"}}"#)
            let beforeReload = socket.count
            daemon.send(SIGHUP)
            let reloading = try #require(await socket.waitFor(from: beforeReload) { $0 == "RELOADING=1" })
            #expect(await socket.waitFor(from: reloading) { $0 == "READY=1" } != nil)
            let reloaded = try #require(await daemon.waitForEvent("config-reloaded"))
            #expect(reloaded["SUMMARY"]?.hasPrefix("drift α 0.01 bonferroni, retrain at 100 labelled rows") == true, "\(reloaded.fields)")

            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "after.csv")
            #expect(await workspace.waitForOutcome("after"))
            let after = try #require(try workspace.report("after").drift)
            #expect(after.alpha == 0.01 && after.correction == .bonferroni)

            // A bad file is refused: logged, and the daemon keeps the configuration it has.
            _ = try writeConfig(workspace, #"{"drift": {"alpha": 0.2, "typo": 1}}"#)
            daemon.send(SIGHUP)
            let refused = try #require(await daemon.waitForEvent("config-reload-failed"))
            #expect(refused["ERROR"]?.contains(#"unknown setting "drift.typo""#) == true && refused["PRIORITY"] == "3")
            try workspace.deliver(DaemonBatches.stationary(part: 2), as: "kept.csv")
            #expect(await workspace.waitForOutcome("kept"))
            #expect(try workspace.report("kept").drift?.alpha == 0.01)

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }
    }
}
