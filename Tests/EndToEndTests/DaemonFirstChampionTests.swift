import Foundation
import ShopperPipeline
import Testing

extension DaemonEndToEndTests {
    /// No champion yet, with the real binary: labelled batches are data,
    /// each gets its outcome at once (`stored`: `NAME.report.json` saying what the first champion
    /// waits for, no predictions, a `first-champion-waiting` event), `--once` terminates, and the
    /// batch that makes the stored labelled rows enough evidence trains the first champion on all
    /// of them.
    @Suite struct DaemonFirstChampionTests {
        func run(_ arguments: [String]) async throws -> String {
            let outcome = try await DaemonProcess.run(arguments)
            guard outcome.status == 0 else { throw DaemonTestError("shopperd \(arguments.joined(separator: " ")) failed: \(outcome.stderr)") }
            return outcome.stdout
        }

        /// Items 2 and 3: a one-class first labelled batch, then batches of 80, 60, 60 and 60 rows
        /// (310 labelled rows, 7 buyers in all).
        @Test func labelledBatchesWithTooFewBuyersAreStoredThenTheFirstChampionIsTrainedOnAllOfThem() async throws {
            let workspace = try DaemonWorkspace()
            let plan: [(String, Int, Int)] = [("a", 50, 0), ("b", 80, 2), ("c", 60, 2), ("d", 60, 1), ("e", 60, 2)]
            for (part, (stem, rows, buyers)) in plan.enumerated() {
                try workspace.write(DaemonBatches.labelled(rows: rows, buyers: buyers, part: part), as: stem + ".csv")
                try workspace.setModificationTime(stem + ".csv", seconds: 1_700_000_000 + part)
            }
            let first = try await workspace.runOnce()
            #expect(await first.exitStatus() == 0, "\(first.stderr)")
            #expect(first.events("error-retrying").isEmpty, "\(first.events("error-retrying").map(\.fields))")
            #expect(workspace.outboxFiles == plan.map { $0.0 + ".report.json" })
            #expect(workspace.claimedFiles.isEmpty && workspace.inboxFiles.isEmpty && workspace.archiveFiles.count == 5)
            let waiting = first.events("first-champion-waiting")
            #expect(waiting.compactMap { $0["SHOPPERD_BATCH"] } == plan.map { $0.0 + ".csv" })
            #expect(waiting.allSatisfy { $0["DECISION"] == "wait-for-champion" && $0["PRIORITY"] == "4" })
            let last = try workspace.report("e")
            #expect(last.outcome == "stored" && last.decision == .waitForChampion && last.predictionsFile == nil)
            #expect(last.reason == "no champion yet: the first champion waits for more labelled rows: 310 labelled rows, 7 buyers; need ≥ 25 buyers (have 7)")
            #expect(waiting.last?["REASON"] == last.reason)
            let raw = try String(contentsOfFile: workspace.outbox + "/e.report.json", encoding: .utf8)
            #expect(raw.contains("\"outcome\" : \"stored\"") && !raw.lowercased().contains("nan"))

            let status = try await run(["status", "--state", workspace.state])
            #expect(status.contains("batches:    5 (0 scored, 5 stored, 0 rejected, 0 duplicate)"), "\(status)")
            #expect(status.contains("the first champion waits for labelled rows: need ≥ 25 buyers (have 7)"), "\(status)")
            let history = try await run(["history", "--state", workspace.state])
            #expect(history.split(separator: "\n").filter { $0.contains(" stored ") && $0.contains("wait-for-champion") }.count == 5, "\(history)")

            // Enough buyers arrive: the first champion, trained on every stored labelled row.
            try workspace.write(DaemonBatches.labelled(rows: 300, buyers: 30, part: 5), as: "f.csv")
            try workspace.write(DaemonBatches.stationary(part: 3), as: "g.csv")
            try workspace.setModificationTime("g.csv", seconds: 1_700_000_100)
            let second = try await workspace.runOnce()
            #expect(await second.exitStatus() == 0, "\(second.stderr)")
            let trained = try workspace.report("f")
            #expect(trained.decision == .bootstrapTrained && trained.models.serving == 1, "\(trained.reason)")
            #expect(trained.evidence?.sufficient == true && trained.evidence?.labelledRows == 610 && trained.evidence?.buyers == 37)
            let promoted = try #require(second.events("model-promoted").first)
            #expect(promoted["METRIC"] == "bootstrap holdout roc_auc" && promoted["CHALLENGER_SCORE"].flatMap(Double.init) != nil)
            #expect(!(promoted["MESSAGE"] ?? "").contains("nan"))
            #expect(try await workspace.models().map(\.training_rows) == [610])
            #expect(try workspace.report("g").models.serving == 1)
            #expect(workspace.exists("f.predictions.csv") && workspace.exists("g.predictions.csv"))
        }

        /// Item 2 with `--bootstrap`: a one-class bootstrap file used to fail the start (exit 1, and
        /// under `Restart=on-failure` a restart every 5 s forever). It is stored as data, the
        /// journal says what the first champion waits for, and the daemon runs on without one.
        @Test func aOneClassBootstrapFileIsStoredAndTheDaemonRunsWithoutAChampion() async throws {
            let workspace = try DaemonWorkspace()
            try FileManager.default.createDirectory(atPath: workspace.root + "/seed", withIntermediateDirectories: true)
            let boot = workspace.root + "/seed/boot.csv"
            try DaemonBatches.labelled(rows: 200, buyers: 0, part: 6).write(toFile: boot, atomically: true, encoding: .utf8)
            try workspace.write(DaemonBatches.stationary(part: 2), as: "unlabelled.csv")
            let run = try await workspace.runOnce(["--bootstrap", boot])
            #expect(await run.exitStatus() == 0, "\(run.stderr)")
            let waiting = try #require(run.events("first-champion-waiting").first)
            #expect(waiting["SHOPPERD_BATCH"] == nil)
            #expect(waiting["REASON"]?.contains("boot.csv stored; no champion yet: the first champion waits for more labelled rows: "
                + "200 labelled rows, 0 buyers; need ≥ 25 buyers (have 0)") == true, "\(waiting.fields)")
            #expect(run.events("service-failed").isEmpty)
            #expect(run.stderr.contains("1 batch(es) wait for a champion in the spool"))
            #expect(try await workspace.models().isEmpty)
            // Started again with the same file: the content is stored once, the verdict is the same.
            let again = try await workspace.runOnce(["--bootstrap", boot])
            #expect(await again.exitStatus() == 0, "\(again.stderr)")
            #expect(try workspace.store().currentVersion() == 1)
        }

        /// Item 6: the real February sessions (184 rows, 3 buyers) gave a champion with threshold 0
        /// that flagged every next session. Now they wait; with March stored after them, the first
        /// champion is trained on both and flags a minority of the next batch.
        @Test func theFebruarySessionsDoNotMakeAChampionUntilMarchArrives() async throws {
            let workspace = try DaemonWorkspace()
            let daemon = try await workspace.start()
            try workspace.deliver(DaemonBatches.month("Feb"), as: "february.csv")
            #expect(await workspace.waitForOutcome("february"))
            let february = try workspace.report("february")
            #expect(february.decision == .waitForChampion && february.evidence?.buyers == 3 && february.evidence?.labelledRows == 184)
            #expect(february.evidence?.needs == ["≥ 25 buyers (have 3)"])
            #expect(!workspace.exists("february.predictions.csv"))
            #expect(try await workspace.models().isEmpty)

            try workspace.deliver(DaemonBatches.month("Mar"), as: "march.csv")
            #expect(await workspace.waitForOutcome("march", timeout: .seconds(300)))
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "next.csv")
            #expect(await workspace.waitForOutcome("next"))
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)

            let march = try workspace.report("march")
            #expect(march.decision == .bootstrapTrained, "\(march.reason)")
            let evidence = try #require(march.evidence)
            #expect(evidence.labelledRows == 184 + 1907 && evidence.buyers == 3 + 192)
            let threshold = try #require(evidence.threshold)
            #expect(threshold.value > 0 && !threshold.flagsEveryRow && threshold.recallLowerBound >= threshold.targetRecall)
            let heldOut = try #require(evidence.heldOut)
            #expect(heldOut.buyers >= 5 && heldOut.value != nil && heldOut.standardError != nil)
            let predictions = try workspace.predictions("next").dropFirst()
            let flagged = predictions.filter { $0[3] == "TRUE" }.count
            #expect(predictions.count == 300 && flagged < 200, "\(flagged) of 300 flagged")
            let history = try await workspace.aliasHistory()
            #expect(history.first?.reason.contains("evidence: 2091 labelled rows, 195 buyers") == true, "\(history.map(\.reason))")
        }
    }
}
