import Foundation
import ShopperPipeline
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

extension DaemonEndToEndTests {
    /// Stops at awkward moments, and a `--bootstrap` file that can never train (it must not say
    /// "retrying in 500 ms" forever), on the real binary.
    @Suite struct DaemonStopTests {
        /// A challenger training cancelled by a stop (two SIGTERMs 0.1 s apart, or one that outlasts
        /// `stop-grace-seconds`) was committed as `score-awaiting-labels` ("training failed: training
        /// was cancelled"), and the log said "retrying in 500 ms". Now nothing is committed: the
        /// batch stays claimed, the log says it is left pending for the next start, and the next
        /// start gives it its one outcome.
        @Test(arguments: ["two SIGTERMs", "grace outlasted"])
        func aChallengerTrainingCancelledByAStopCommitsNothingAndIsRedoneOnTheNextStart(stop: String) async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let grace = stop == "grace outlasted" ? ["--set", "stop-grace-seconds=1"] : []
            let daemon = try await workspace.start(DaemonWorkspace.slowTraining + grace, environment: ["NOTIFY_SOCKET": socket.path])
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            #expect(await socket.waitFor { $0.hasPrefix("STATUS=processing holiday.csv") } != nil)
            // Past the drift check and the champion's scoring, into the challenger's training (which
            // takes minutes with these settings; landing earlier cancels it all the same).
            try await Task.sleep(for: .seconds(3))
            daemon.send(SIGTERM)
            if grace.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                daemon.send(SIGTERM)
            }
            #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")

            #expect(daemon.events("batch-scored").isEmpty && !workspace.hasOutcome("holiday"))
            #expect(daemon.events("error-retrying").isEmpty, "\(daemon.events("error-retrying").map { $0["MESSAGE"] ?? "" })")
            let left = try #require(daemon.events("batch-left-pending").first, "\(daemon.stderr)")
            #expect(left["SHOPPERD_BATCH"] == "holiday.csv")
            #expect(left["MESSAGE"]?.contains("left pending for the next start") == true)
            #expect(left["REASON"]?.contains("cancelled by a stop before its outcome was committed") == true)
            // Nothing stored: not the batch's version (so the same bytes are not a duplicate), no model, no job.
            #expect(try workspace.store().currentVersion() == 1)
            #expect(try workspace.store().jobs().isEmpty)
            #expect(try await workspace.models().map(\.version) == [1])
            #expect(workspace.claimedFiles.count == 2)

            let restarted = try await workspace.start()
            #expect(await workspace.waitForOutcome("holiday", timeout: .seconds(300)), "\(restarted.stderr)")
            restarted.send(SIGTERM)
            #expect(await restarted.exitStatus() == 0)
            let report = try workspace.report("holiday")
            #expect(report.decision == .retrainPromoted || report.decision == .retrainKept, "\(report.reason)")
            #expect(try workspace.store().jobs().count == 1 && workspace.claimedFiles.isEmpty)
        }

        /// SIGTERM while `--bootstrap` trains the first champion exited 1 (and `Restart=on-failure`
        /// restarted it); a stop is a clean exit, whenever it comes.
        @Test func sigtermDuringBootstrapTrainingExitsZero() async throws {
            let workspace = try DaemonWorkspace()
            let bootstrap = try workspace.scratch.write("bootstrap.csv", DaemonBatches.bootstrap)
            let daemon = try DaemonProcess(arguments: workspace.runArguments(["--bootstrap", bootstrap] + DaemonWorkspace.slowTraining),
                                           directory: workspace.root)
            // The store is open once its file exists; the bootstrap file is read and validated in
            // milliseconds, then trained for minutes (slowTraining): a second later it is training.
            // The file and its champion are committed together, at the end.
            let database = workspace.state + "/shopperd.sqlite"
            #expect(await eventually(timeout: .seconds(120)) { !daemon.isRunning || FileManager.default.fileExists(atPath: database) })
            try await Task.sleep(for: .seconds(1))
            #expect(daemon.isRunning, "\(daemon.stderr)")
            daemon.send(SIGTERM)
            try await Task.sleep(for: .milliseconds(100))
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
            #expect(daemon.events("service-failed").isEmpty, "\(daemon.stderr)")
            #expect(try await workspace.models().isEmpty)
            // Nothing half-done: not the file without its champion either (the next start redoes both).
            #expect(try workspace.store().currentVersion() == 0)
        }

        /// A `--bootstrap` file that can never train exited 1, so systemd restarted the service
        /// every 5 s forever. One without a labelled row is a configuration error: exit 78
        /// (EX_CONFIG, in the unit's `RestartPreventExitStatus=`), saying what to fix. (A file
        /// whose labelled rows are too few or of one class is data: it is stored and the daemon
        /// runs without a champion until the store holds enough, `DaemonFirstChampionTests`.)
        @Test(arguments: [
            ("unlabelled", DaemonBatches.stationary(rows: 300, part: 0), "no Revenue column"),
        ])
        func aBootstrapFileThatCanNeverTrainIsAConfigurationError(name: String, contents: String, reason: String) async throws {
            let workspace = try DaemonWorkspace()
            let bootstrap = try workspace.scratch.write(name + ".csv", contents)
            for once in [true, false] {
                let daemon = try DaemonProcess(arguments: workspace.runArguments(["--bootstrap", bootstrap] + (once ? ["--once"] : [])),
                                               directory: workspace.root)
                #expect(await daemon.exitStatus(timeout: .seconds(120)) == 78, "\(daemon.stderr)")
                let failed = try #require(daemon.events("service-failed").first, "\(daemon.stderr)")
                let error = failed["ERROR"] ?? ""
                for words in ["the bootstrap file \(bootstrap) cannot train a first champion", reason, "Fix the file"] {
                    #expect(error.contains(words), "\(error)")
                }
            }
        }

    }
}
