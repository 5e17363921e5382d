import Foundation
import ShopperPipeline
import Testing

extension DaemonEndToEndTests {
    /// Issue 14, item 9, through the real daemon: a blank `Revenue` is a row without a label (every
    /// row scored, only labelled rows measured and trained on), and quarantined rows are listed in
    /// the report and the journal event, not only counted.
    @Suite struct DaemonPartialLabelTests {
        /// Before: the partially labelled batch and the batch whose `Revenue` is blank on every row
        /// were both rejected ("missing value (empty cell)").
        @Test func aPartiallyLabelledBatchIsScoredWholeMeasuredAndTrainedOnItsLabelledRows() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // Nov/Dec: drifts, so its 200 labelled rows (≥ retrain.min-labelled-rows = 100) retrain.
            let partial = DaemonBatches.blankingLabels(DaemonBatches.drifted(rows: 400), every: 2)
            let labelled = DaemonBatches.labelledLines(partial)
            #expect(labelled.count == 200)
            let buyers = labelled.filter { $0.hasSuffix(",TRUE") }.count
            // Feb–Jul with a Revenue column blank on every row: an unlabelled batch.
            let blank = DaemonBatches.blankingLabels(DaemonBatches.stationary(rows: 120, labelled: true), every: 1)
            #expect(DaemonBatches.labelledLines(blank).isEmpty)
            try workspace.deliver(blank, as: "all-blank.csv")
            try workspace.deliver(partial, as: "partial.csv")
            let daemon = try await workspace.runOnce()
            #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
            #expect(workspace.quarantineFiles.isEmpty, "\(workspace.outboxFiles)")

            // Every row of both batches is scored.
            let report = try workspace.report("partial")
            #expect(report.rows == 400 && report.labelled && report.labelledRows == 200)
            #expect(try workspace.predictions("partial").count == 401)
            let unlabelled = try workspace.report("all-blank")
            #expect(unlabelled.rows == 120 && !unlabelled.labelled && unlabelled.labelledRows == 0)
            #expect(unlabelled.realised == nil)
            #expect(try workspace.predictions("all-blank").count == 121)

            // Realised performance on the 200 labelled rows only.
            let realised = try #require(report.realised)
            #expect(realised.rows == 200 && realised.positives == buyers)
            // The retrain held out and trained on labelled rows only: the challenger's window is
            // the champion's training rows plus the labelled rows not held out.
            #expect(report.decision == .retrainPromoted || report.decision == .retrainKept, "\(report.reason)")
            let evaluation = try #require(report.models.evaluation)
            #expect(evaluation.rows + evaluation.trainingRows - DaemonBatches.bootstrapRowCount == 200)

            // The store: 200 labelled rows in the batch's version, the performance measured on 200.
            let store = try workspace.store()
            let version = try store.version(report.storeVersion)
            #expect(version.rowCount == 400 && version.labelledCount == 200 && version.isLabelled)
            #expect(try store.labelledSessions(fromVersion: report.storeVersion, throughVersion: report.storeVersion).count == 200)
            #expect(try store.sessions(fromVersion: report.storeVersion, throughVersion: report.storeVersion).count == 400)
            #expect(try store.version(unlabelled.storeVersion).labelledCount == 0)
            let performance = try #require(try store.performance(modelVersion: 1).first { $0.batchVersion == report.storeVersion })
            #expect(performance.rowCount == 200 && performance.positiveCount == buyers)

            // What the operator's commands say.
            let shown = try await DaemonProcess.run(["performance", "--state", workspace.state, "--format", "json"])
            #expect(shown.status == 0)
            let entries = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]]
            #expect(entries?.first { $0["store_version"] as? Int == report.storeVersion }?["rows"] as? Int == 200)
            let status = try await DaemonProcess.run(["status", "--state", workspace.state, "--format", "json"])
            let summary = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            #expect(summary?["labelled_rows"] as? Int == DaemonBatches.bootstrapRowCount + 200, "\(status.stdout)")
        }

        /// Before: the report said `"quarantined_rows": 2` and the journal nothing; the rows had to
        /// be dug out of the store. And a rejection's advice named `ingest --on-invalid`, which a
        /// daemon's operator cannot use.
        @Test func quarantinedRowsAreListedInTheReportAndTheJournalAndRejectionsNameTheDaemonSetting() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // Lines 5 and 9 invalid (BounceRates "abc"; Month "Smarch" too on line 9).
            var lines = DaemonBatches.stationary(rows: 60, part: 3).split(separator: "\n").map(String.init)
            for line in [5, 9] {
                var cells = lines[line - 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[6] = "abc"
                if line == 9 { cells[10] = "Smarch" }
                lines[line - 1] = cells.joined(separator: ",")
            }
            let invalid = lines.joined(separator: "\n") + "\n"

            // Under the default policy: rejected, and the advice names the daemon's setting.
            try workspace.deliver(invalid, as: "rejected.csv")
            let first = try await workspace.runOnce()
            #expect(await first.exitStatus() == 0, "\(first.stderr)")
            let rejection = try workspace.rejection("rejected")
            #expect(rejection.reason.contains("SHOPPERD_ON_INVALID=quarantine-rows"), "\(rejection.reason)")
            #expect(rejection.reason.contains("--set on-invalid=quarantine-rows"))
            #expect(!rejection.reason.contains("ingest with --on-invalid"))

            // Under quarantine-rows (the same bytes again: a rejected batch is not stored).
            try workspace.deliver(invalid, as: "kept.csv")
            let daemon = try await workspace.runOnce(["--set", "on-invalid=quarantine-rows"])
            #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
            let report = try workspace.report("kept")
            #expect(report.rows == 58 && report.quarantinedRows == 2)
            let issues = try #require(report.quarantinedIssues)
            #expect(issues.map(\.line) == [5, 9, 9])
            #expect(issues.map(\.column) == ["BounceRates", "BounceRates", "Month"])
            #expect(issues.allSatisfy { $0.file == "kept.csv" && !$0.reason.isEmpty })
            #expect(issues.first { $0.column == "Month" }?.value == "Smarch")
            #expect(report.quarantinedIssueCount == 3)

            let event = try #require(daemon.events("rows-quarantined").first, "\(daemon.stderr)")
            #expect(event["SHOPPERD_BATCH"] == "kept.csv" && event["PRIORITY"] == "4")
            #expect(event["ROWS"] == "58" && event["QUARANTINED_ROWS"] == "2" && event["QUARANTINED_LISTED"] == "2")
            #expect(event["ISSUE_COUNT"] == "3")
            let listed = try #require(event["QUARANTINED"]).split(separator: "\n").map(String.init)
            #expect(listed.count == 3)
            #expect(listed[0] == "line 5, column BounceRates, value \"abc\": " + issues[0].reason)
            #expect(listed.contains { $0.hasPrefix("line 9, column Month, value \"Smarch\": ") })
            #expect(event["MESSAGE"]?.contains("2 of 60 rows quarantined, 58 kept") == true)
        }
    }
}
