import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// Through the real daemon: a blank `Revenue` is a row without a label (every
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

            // Under quarantine-rows (the same bytes again: a rejected batch is not stored), events
            // to the real journal. A name no other run can have produced, so the query finds only ours.
            try await Journald.ensureRunning()
            let name = "kept-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).csv"
            let stem = String(name.dropLast(4))
            try workspace.deliver(invalid, as: name)
            let daemon = try DaemonProcess(
                arguments: workspace.runArguments(["--once", "--set", "on-invalid=quarantine-rows"], logTarget: "journal"),
                environment: [:], directory: workspace.root)
            #expect(await daemon.exitStatus(timeout: .seconds(120)) == 0, "\(daemon.stderr)")
            let report = try workspace.report(stem)
            #expect(report.rows == 58 && report.quarantinedRows == 2)
            let issues = try #require(report.quarantinedIssues)
            #expect(issues.map(\.line) == [5, 9, 9])
            #expect(issues.map(\.column) == ["BounceRates", "BounceRates", "Month"])
            #expect(issues.allSatisfy { $0.file == name && !$0.reason.isEmpty })
            #expect(issues.first { $0.column == "Month" }?.value == "Smarch")
            #expect(report.quarantinedIssueCount == 3)

            let entries = try await Journald.waitForEntries(matching: [
                "MESSAGE_ID=307878c5328b4d15a3f371c879a4f940", "SHOPPERD_BATCH=\(name)",
            ])
            try #require(entries.count == 1)
            let event = entries[0]
            #expect(event["SHOPPERD_EVENT"] as? String == "rows-quarantined" && event["PRIORITY"] as? String == "4")
            #expect(event["ROWS"] as? String == "58" && event["QUARANTINED_ROWS"] as? String == "2")
            #expect(event["QUARANTINED_LISTED"] as? String == "2" && event["ISSUE_COUNT"] as? String == "3")
            let listed = try #require(event["QUARANTINED"] as? String).split(separator: "\n").map(String.init)
            #expect(listed.count == 3)
            #expect(listed.first == "line 5, column BounceRates, value \"abc\": " + issues[0].reason)
            #expect(listed.contains { $0.hasPrefix("line 9, column Month, value \"Smarch\": ") })
            #expect((event["MESSAGE"] as? String)?.contains("2 of 60 rows quarantined, 58 kept") == true)
            #expect(event["_TRANSPORT"] as? String == "journal")
        }

        /// The journal lists at most 20 rows (the report up to 1,000 issues), and counts them all.
        @Test func aBatchWithManyQuarantinedRowsListsTheFirstTwentyAndCountsAll() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            var lines = DaemonBatches.stationary(rows: 60, part: 4).split(separator: "\n").map(String.init)
            for line in 2...31 {  // 30 rows with BounceRates "abc"
                var cells = lines[line - 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[6] = "abc"
                lines[line - 1] = cells.joined(separator: ",")
            }
            try workspace.deliver(lines.joined(separator: "\n") + "\n", as: "many.csv")
            let daemon = try await workspace.runOnce(["--set", "on-invalid=quarantine-rows"])
            #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
            let report = try workspace.report("many")
            #expect(report.rows == 30 && report.quarantinedRows == 30)
            #expect(report.quarantinedIssues?.map(\.line) == Array(2...31))
            let event = try #require(daemon.events("rows-quarantined").first, "\(daemon.stderr)")
            #expect(event["QUARANTINED_ROWS"] == "30" && event["QUARANTINED_LISTED"] == "20" && event["ISSUE_COUNT"] == "30")
            let listed = try #require(event["QUARANTINED"]).split(separator: "\n")
            #expect(listed.count == 20 && listed.first?.hasPrefix("line 2, column BounceRates") == true)
            #expect(listed.last?.hasPrefix("line 21, column BounceRates") == true)
        }
    }
}
