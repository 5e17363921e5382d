import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

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
            #expect(inFile.stderr.contains(#"unknown setting "drift.alpah" in the configuration file \#(typo); `shopperd run --help` lists the settings"#), "\(inFile.stderr)")

            let onCommandLine = try await workspace.runOnce(["--set", "retrain.min-labeled-rows=10"])
            #expect(await onCommandLine.exitStatus() == 78)
            #expect(onCommandLine.stderr.contains(#"unknown setting "retrain.min-labeled-rows" in --set"#), "\(onCommandLine.stderr)")

            let invalid = try await workspace.runOnce([], environment: ["SHOPPERD_DRIFT_ALPHA": "2"])
            #expect(await invalid.exitStatus() == 78)
            #expect(invalid.stderr.contains(#"setting "drift.alpha" = "2" from the environment variable SHOPPERD_DRIFT_ALPHA is invalid: expected a number strictly between 0 and 1"#), "\(invalid.stderr)")
            // The same value on the command line names the command line, not the environment.
            let onSet = try await workspace.runOnce(["--set", "drift.alpha=2"])
            #expect(await onSet.exitStatus() == 78)
            #expect(onSet.stderr.contains(#"setting "drift.alpha" = "2" from --set is invalid: expected a number strictly between 0 and 1"#), "\(onSet.stderr)")
            #expect(!onSet.stderr.contains("SHOPPERD_DRIFT_ALPHA"), "\(onSet.stderr)")
            // The promotion test's one-sided level: in (0, 0.5), so its (1 − 2α) interval exists.
            let promotionAlpha = try await workspace.runOnce(["--set", "retrain.alpha=0.5"])
            #expect(await promotionAlpha.exitStatus() == 78)
            #expect(promotionAlpha.stderr.contains(#"setting "retrain.alpha" = "0.5" from --set is invalid: expected a number strictly between 0 and 0.5"#),
                    "\(promotionAlpha.stderr)")

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

        /// Values of the wrong type for an integer key, from each of the three sources: each
        /// stops the start with 78 and a message naming the key, the source and the expected type.
        /// Before, the file's `true` trained one tree (read as 1) and its `50.5`, `[0.01]`, `null`
        /// and `{"x":1}` silently gave the default.
        @Test func wrongTypesAreRefusedTheSameWayFromEverySource() async throws {
            let workspace = try DaemonWorkspace()
            try workspace.write(DaemonBatches.stationary(part: 0), as: "untouched.csv")
            let expected = "is invalid: expected an integer in 1...10000"
            let bad: [(json: String, shown: String)] = [
                ("true", "true (a JSON boolean)"), ("50.5", "50.5 (a JSON number)"), ("[0.01]", "[0.01] (a JSON array)"),
                ("null", "null (JSON null)"), (#"{"x":1}"#, #"{"x":1} (a JSON object)"#), (#""12""#, #""12" (a JSON string)"#),
            ]
            for (json, shown) in bad {
                let file = try writeConfig(workspace, #"{"training": {"trees": \#(json)}}"#)
                let fromFile = try await workspace.runOnce(["--config", file])
                #expect(await fromFile.exitStatus() == 78, "\(json): \(fromFile.stderr)")
                #expect(fromFile.stderr.contains(#"setting "training.trees" = \#(shown) from the configuration file \#(file) \#(expected)"#),
                        "\(json): \(fromFile.stderr)")
                // Dotted keys are the same key.
                let dotted = try writeConfig(workspace, #"{"training.trees": \#(json)}"#)
                #expect(try await workspace.runOnce(["--config", dotted]).exitStatus() == 78, "\(json) dotted")
            }
            for text in ["true", "50.5", "[0.01]", "null", #"{"x":1}"#] {
                let fromEnvironment = try await workspace.runOnce([], environment: ["SHOPPERD_TRAINING_TREES": text])
                #expect(await fromEnvironment.exitStatus() == 78, "\(text): \(fromEnvironment.stderr)")
                #expect(fromEnvironment.stderr.contains(
                    #"setting "training.trees" = "\#(text)" from the environment variable SHOPPERD_TRAINING_TREES \#(expected)"#),
                        "\(text): \(fromEnvironment.stderr)")
                let fromSet = try await workspace.runOnce(["--set", "training.trees=\(text)"])
                #expect(await fromSet.exitStatus() == 78, "\(text): \(fromSet.stderr)")
                #expect(fromSet.stderr.contains(#"setting "training.trees" = "\#(text)" from --set \#(expected)"#), "\(text): \(fromSet.stderr)")
            }
            // A number key wants a JSON number, a choice a JSON string.
            let quoted = try writeConfig(workspace, #"{"drift": {"alpha": "0.01", "correction": "bh"}}"#)
            let string = try await workspace.runOnce(["--config", quoted])
            #expect(await string.exitStatus() == 78)
            #expect(string.stderr.contains(#"setting "drift.alpha" = "0.01" (a JSON string) from the configuration file"#), "\(string.stderr)")
            let numeric = try writeConfig(workspace, #"{"drift": {"correction": 1}}"#)
            let choice = try await workspace.runOnce(["--config", numeric])
            #expect(await choice.exitStatus() == 78)
            #expect(choice.stderr.contains("expected one of bh, bonferroni, none"), "\(choice.stderr)")
            // Nothing was processed by any of these runs.
            #expect(workspace.inboxFiles == ["untouched.csv"])
            #expect(!FileManager.default.fileExists(atPath: workspace.outbox))
            // An empty variable is unset (systemd's Environment=SHOPPERD_X=), not a value.
            let empty = try await workspace.runOnce([], environment: ["SHOPPERD_TRAINING_TREES": ""])
            #expect(await empty.exitStatus() == 0, "\(empty.stderr)")
        }

        /// `shopperd reload` (the unit's ExecReload=) on the real daemon: 0 with a good file, 78
        /// with a bad one (the daemon keeps the previous configuration).
        @Test func theReloadCommandFailsWhenTheDaemonRefusesTheNewFile() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let config = try writeConfig(workspace, #"{"drift": {"alpha": 0.05}}"#)
            let daemon = try await workspace.start(["--config", config])
            func reload() async throws -> (status: Int32?, stdout: String, stderr: String) {
                try await DaemonProcess.run(["reload", "--pid", String(daemon.pid), "--state", workspace.state])
            }
            _ = try writeConfig(workspace, #"{"drift": {"alpha": 0.01}}"#)
            let good = try await reload()
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("reloaded its configuration: drift α 0.01"), "\(good.stdout)")

            _ = try writeConfig(workspace, #"{"training": {"trees": true}}"#)
            let bad = try await reload()
            #expect(bad.status == 78, "\(bad.stdout) \(bad.stderr)")
            #expect(bad.stderr.contains(#"setting "training.trees" = true (a JSON boolean) from the configuration file \#(config)"#), "\(bad.stderr)")
            try workspace.deliver(DaemonBatches.stationary(part: 0), as: "kept.csv")
            #expect(await workspace.waitForOutcome("kept"))
            #expect(try workspace.report("kept").drift?.alpha == 0.01)

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        /// STATUS='s "N batches" counts what the store holds, not what this run did.
        @Test func theStatusBatchCountSurvivesARestart() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try workspace.write(DaemonBatches.stationary(part: 0), as: "first.csv")
            #expect(try await workspace.runOnce().exitStatus() == 0)
            let socket = try NotifySocket()
            let daemon = try await workspace.start([], environment: ["NOTIFY_SOCKET": socket.path])
            #expect(await socket.waitFor { $0.hasPrefix("STATUS=idle · champion v1 · 1 batch") } != nil, "\(socket.assignments())")
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        @Test func sighupReloadsTheFileAndTheNextBatchUsesTheNewValue() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let config = try writeConfig(workspace, #"{"drift": {"alpha": 0.05}}"#)
            let socket = try NotifySocket()
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
