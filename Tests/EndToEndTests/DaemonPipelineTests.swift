import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// `shopperd run` on real directories with real inotify: how files arrive, and what the pipeline
    /// decides for stationary, drifted (labelled or not) and invalid batches. Every test starts the
    /// real binary on a copy of a state whose champion v1 was bootstrapped from Feb–Jul rows.
    @Suite struct DaemonPipelineTests {
        static let predictionsHeader = ["row", "line", "probability", "label", "model_version", "prediction_id"]

        /// Checks a stationary batch's outcome: scored by `model`, no drift, no challenger, one
        /// prediction per input row in input order.
        func expectScoredWithoutDrift(_ workspace: DaemonWorkspace, _ stem: String, input: String, model: Int) throws {
            let report = try workspace.report(stem)
            #expect(report.decision == .score, "\(stem): \(report.reason)")
            #expect(report.drift?.criticalDrift == false)
            #expect(report.rows == DaemonBatches.dataLines(input).count)
            #expect(report.models.serving == model && report.models.championBefore == model)
            #expect(report.models.challenger == nil && report.models.evaluation == nil)
            #expect(report.predictionsFile == stem + ".predictions.csv")
            let table = try workspace.predictions(stem)
            #expect(table.first == Self.predictionsHeader)
            #expect(table.count == report.rows + 1)
            #expect(table.dropFirst().map { $0[0] } == (1...report.rows).map(String.init))
            #expect(table.dropFirst().allSatisfy { $0[4] == String(model) && ($0[3] == "TRUE" || $0[3] == "FALSE") })
            #expect(table.dropFirst().allSatisfy { Double($0[2]).map { (0...1).contains($0) } == true })
            #expect(table.dropFirst().allSatisfy { $0[5] == "b\(report.storeVersion)-\($0[0])" })
        }

        @Test func closedAndRenamedFilesAreTakenPartialAndHiddenNamesOnlyOnceRenamed() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await workspace.start()

            // Complete contents under names that mean "still being written": left alone.
            let batches = (0..<5).map { DaemonBatches.stationary(part: $0) }
            try workspace.write(batches[1], as: "later.csv.tmp")
            try workspace.write(batches[2], as: "download.csv.part")
            try workspace.write(batches[3], as: ".hidden.csv")
            // A file written in place: half of it so far, still open.
            let half = batches[0].utf8.count / 2
            let inPlace = try workspace.open("in-place.csv")
            try workspace.append(Array(batches[0].utf8.prefix(half)), to: inPlace)
            // Renamed in after all of them: once it has its outcome, every earlier arrival was handled.
            try workspace.deliver(batches[4], as: "sentinel.csv")
            #expect(await workspace.waitForOutcome("sentinel"))
            #expect(workspace.outboxFiles == ["sentinel.predictions.csv", "sentinel.report.json"])
            #expect(workspace.inboxFiles == [".hidden.csv", "download.csv.part", "in-place.csv", "later.csv.tmp"])

            // Closing the in-place file (IN_CLOSE_WRITE) hands it over whole.
            try workspace.append(Array(batches[0].utf8.dropFirst(half)), to: inPlace)
            close(inPlace)
            #expect(await workspace.waitForOutcome("in-place"))
            try expectScoredWithoutDrift(workspace, "in-place", input: batches[0], model: 1)

            // Renaming (IN_MOVED_TO) makes the others batches.
            try workspace.rename("later.csv.tmp", to: "later.csv")
            try workspace.rename("download.csv.part", to: "download.csv")
            try workspace.rename(".hidden.csv", to: "hidden.csv")
            for (stem, input) in [("later", batches[1]), ("download", batches[2]), ("hidden", batches[3]), ("sentinel", batches[4])] {
                #expect(await workspace.waitForOutcome(stem))
                try expectScoredWithoutDrift(workspace, stem, input: input, model: 1)
            }
            // Stationary batches train nothing.
            #expect(try await workspace.models().map(\.version) == [1])

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            #expect(daemon.events("drift-detected").isEmpty)
            // Stopped cleanly, so every input is filed (an outcome is written before its input is).
            #expect(workspace.inboxFiles.isEmpty && workspace.claimedFiles.isEmpty)
            #expect(workspace.archiveFiles.count == 5 && workspace.quarantineFiles.isEmpty)
        }

        @Test func stationaryScoresDriftedLabelledPromotesDriftedUnlabelledWarnsInvalidIsRejected() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await workspace.start()

            // 1. Stationary, labelled: scored by v1, its realised performance recorded, no new model.
            let stationary = DaemonBatches.stationary(part: 0, labelled: true)
            try workspace.deliver(stationary, as: "stationary.csv")
            #expect(await workspace.waitForOutcome("stationary"))
            try expectScoredWithoutDrift(workspace, "stationary", input: stationary, model: 1)
            let realised = try #require(try workspace.report("stationary").realised)
            #expect(realised.modelVersion == 1 && !realised.triggered)
            #expect(try #require(realised.rocAUC) > 0.8)
            #expect(try await workspace.models().map(\.version) == [1])

            // 2. Drifted, labelled (Nov/Dec against Feb–Jul): retrain, and the challenger is promoted.
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday-labelled.csv")
            #expect(await workspace.waitForOutcome("holiday-labelled"))
            let promoted = try workspace.report("holiday-labelled")
            #expect(promoted.decision == .retrainPromoted, "\(promoted.reason)")
            let drift = try #require(promoted.drift)
            #expect(drift.criticalDrift && drift.drivers.map(\.name).contains("Month"))
            #expect(promoted.models.championBefore == 1 && promoted.models.serving == 2 && promoted.models.challenger == 2)
            let evaluation = try #require(promoted.models.evaluation)
            #expect(evaluation.promoted && evaluation.metric == .rocAUC)
            #expect(try #require(evaluation.challenger) >= (try #require(evaluation.champion)) - evaluation.tolerance)
            #expect(try workspace.predictions("holiday-labelled").dropFirst().allSatisfy { $0[4] == "2" })
            let models = try await workspace.models()
            #expect(models.map(\.version) == [1, 2])
            #expect(models.first { $0.version == 2 }?.aliases == ["champion"])
            #expect(models.first { $0.version == 1 }?.aliases == [])
            let promotion = try #require(try await workspace.aliasHistory().last { $0.alias == "champion" && $0.action == "promote" })
            #expect(promotion.from_version == 1 && promotion.to_version == 2)
            #expect(promotion.reason.contains("not significantly worse than champion v1 on held-out new rows"))
            let driftEvent = try #require(await daemon.waitForEvent("drift-detected", batch: "holiday-labelled.csv"))
            #expect(driftEvent["DECISION"] == "retrain-promoted" && driftEvent["PRIORITY"] == "4")
            #expect(driftEvent["DRIFTED_FEATURES"] == drift.drivers.map(\.name).joined(separator: ","))
            let promotedEvent = try #require(await daemon.waitForEvent("model-promoted", batch: "holiday-labelled.csv"))
            #expect(promotedEvent["MODEL_VERSION"] == "v2" && promotedEvent["PREVIOUS_MODEL_VERSION"] == "v1")

            // 3. Drifted, unlabelled: scored by the new champion, retraining waits for labels (warning).
            // Aug–Oct: months the new champion never saw, and shoppers who behave differently (a
            // Nov/Dec batch would now be compared with the Nov/Dec rows v2 trained on, and not drift).
            try workspace.deliver(DaemonBatches.autumn(part: 0, labelled: false), as: "holiday-unlabelled.csv")
            #expect(await workspace.waitForOutcome("holiday-unlabelled"))
            let waiting = try workspace.report("holiday-unlabelled")
            #expect(waiting.decision == .scoreAwaitingLabels, "\(waiting.reason)")
            #expect(waiting.drift?.criticalDrift == true && waiting.realised == nil)
            #expect(waiting.models.serving == 2 && waiting.models.challenger == nil)
            #expect(try workspace.predictions("holiday-unlabelled").count == 301)
            let skipped = try #require(await daemon.waitForEvent("retrain-skipped", batch: "holiday-unlabelled.csv"))
            #expect(skipped["PRIORITY"] == "4" && skipped["LABELLED_ROWS"] == "0" && skipped["REQUIRED_ROWS"] == "100")
            #expect(skipped["REASON"] == "not enough labelled rows")
            #expect(try await workspace.models().map(\.version) == [1, 2])

            // 4. Invalid: NAME.rejected.json says where and why; the original is kept in quarantine.
            let invalid = DaemonBatches.invalid(badLine: 5)
            try workspace.deliver(invalid, as: "broken.csv")
            #expect(await workspace.waitForOutcome("broken"))
            let rejection = try workspace.rejection("broken")
            #expect(rejection.outcome == "rejected" && rejection.input == "broken.csv")
            let issue = try #require(rejection.issues.first)
            #expect(issue.file == "broken.csv" && issue.line == 5 && issue.column == "BounceRates" && issue.value == "abc")
            #expect(!issue.reason.isEmpty)
            #expect(rejection.issueCount == 1)
            #expect(rejection.keptAs.hasPrefix(workspace.state + "/quarantine/"))
            // The input is filed right after its outcome is written.
            #expect(await eventually { FileManager.default.fileExists(atPath: rejection.keptAs) })
            #expect(try String(contentsOfFile: rejection.keptAs, encoding: .utf8) == invalid)
            #expect(!workspace.exists("broken.predictions.csv") && !workspace.exists("broken.report.json"))
            let rejectedEvent = try #require(await daemon.waitForEvent("batch-rejected", batch: "broken.csv"))
            #expect(rejectedEvent["SHOPPERD_BATCH"] == "broken.csv" && rejectedEvent["DECISION"] == "reject")

            // 5. Still alive: the next file is processed.
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "after-rejection.csv")
            #expect(await workspace.waitForOutcome("after-rejection"))
            #expect(try workspace.report("after-rejection").models.serving == 2)
            #expect(daemon.isRunning)

            // 6. The same bytes again: a duplicate, journaled as such (not as a rejection), kept in quarantine.
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "again.csv")
            #expect(await workspace.waitForOutcome("again"))
            #expect(try workspace.rejection("again").outcome == "duplicate")
            let duplicateEvent = try #require(await daemon.waitForEvent("batch-rejected", batch: "again.csv"))
            #expect(duplicateEvent["DECISION"] == "duplicate", "\(duplicateEvent)")

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            #expect(workspace.archiveFiles.count == 4 && workspace.quarantineFiles.count == 2 && workspace.claimedFiles.isEmpty)
        }
    }
}
