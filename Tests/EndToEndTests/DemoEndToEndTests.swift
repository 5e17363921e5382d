import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// `shopperd demo`, README's first command, end to end: the real binary bootstraps on Feb–Jul,
    /// starts the real daemon and replays the later months through its inbox. Its printed summary
    /// is checked against the outbox it left behind, so "every batch got exactly one outcome" is
    /// proven by the files, not only printed. (About 20 s in a debug build: quick tuning grid.)
    @Suite struct DemoEndToEndTests {
        /// The demo's batches, in the order it drops them (`DemoPlan`); `oct-export` is the broken one.
        static let stems = ["feb-jul-holdback", "aug", "sep", "oct-export", "oct", "nov-week1", "nov-rest",
                            "dec-first-half", "dec-second-half"]

        @Test func theDemoDriftsPromotesRejectsTheBrokenExportAndLeavesExactlyOneOutcomePerBatch() async throws {
            let scratch = try TemporaryDirectory("shopperd-e2e")
            let work = scratch.file("demo")
            let run = try await DaemonProcess.run(
                ["demo", "--work", work, "--data", IngestEndToEndTests.bundled], timeout: .seconds(600))
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            let output = run.stdout

            // The summary line: "9 batches: D drifted, P promotion(s), K challenger(s) kept out, R rejected; …".
            let summary = try #require(output.split(separator: "\n").first { $0.hasPrefix("9 batches: ") }.map(String.init), "\(output)")
            // The demo checks its own claim against the outbox and the store, and says what it found.
            #expect(summary.hasSuffix("; every batch got exactly one outcome (17 files in the outbox, 9 delivered jobs in the store)."), "\(summary)")
            let counts = summary.components(separatedBy: "; ")[0].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            try #require(counts.count == 5, "\(summary)")
            let (drifted, promotions, kept, rejected) = (counts[1], counts[2], counts[3], counts[4])
            #expect(drifted >= 1 && promotions >= 1 && rejected == 1, "\(summary)")
            #expect(output.contains("daemon stopped with SIGTERM: exit status 0"))
            #expect(output.contains("4. oct-export.csv: 40 rows, unlabelled\n   rejected: "), "\(output)")

            // The outbox: for each batch exactly one outcome — a report with its predictions, or a
            // rejection — and nothing else (no second outcome, no `NAME~2`, no temporary file).
            let outbox = work + "/outbox"
            var expected: Set<String> = []
            var reports: [String: BatchReport] = [:]
            for stem in Self.stems {
                let report = outbox + "/" + stem + ".report.json"
                let rejection = outbox + "/" + stem + ".rejected.json"
                let hasReport = FileManager.default.fileExists(atPath: report)
                let hasRejection = FileManager.default.fileExists(atPath: rejection)
                #expect(hasReport != hasRejection, "\(stem): report \(hasReport), rejection \(hasRejection)")
                if hasReport {
                    reports[stem] = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
                    expected.formUnion([stem + ".report.json", stem + ".predictions.csv"])
                } else {
                    expected.insert(stem + ".rejected.json")
                }
            }
            #expect(Set(DaemonWorkspace.list(outbox)) == expected)
            #expect(DaemonWorkspace.list(outbox).count == 2 * 8 + 1)
            #expect(!FileManager.default.fileExists(atPath: outbox + "/oct-export.report.json"))
            let rejection = try JSONDecoder().decode(
                RejectionReport.self, from: Data(contentsOf: URL(fileURLWithPath: outbox + "/oct-export.rejected.json")))
            #expect(rejection.outcome == "rejected" && rejection.issueCount == 1)
            #expect(rejection.issues.first?.column == "Administrative_Duration" && rejection.issues.first?.value == "-12.5")

            // The printed counts are the reports' counts.
            #expect(reports.values.filter { $0.drift?.criticalDrift == true }.count == drifted)
            #expect(reports.values.filter { $0.decision == .retrainPromoted }.count == promotions)
            #expect(reports.values.filter { $0.decision == .retrainKept }.count == kept)
            // The held-back Feb–Jul rows are the training distribution: no drift, scored by v1.
            let holdback = try #require(reports["feb-jul-holdback"])
            #expect(holdback.decision == .score && holdback.drift?.criticalDrift == false && holdback.models.serving == 1)
            // Every predictions file has one row per scored input row.
            for (stem, report) in reports {
                let lines = try String(contentsOfFile: outbox + "/" + stem + ".predictions.csv", encoding: .utf8)
                    .split(separator: "\n")
                #expect(lines.count == report.rows + 1, "\(stem)")
            }
            // Every input is filed: 8 archived, the broken one quarantined; nothing left in the inbox.
            #expect(DaemonWorkspace.list(work + "/state/archive").count == 8)
            #expect(DaemonWorkspace.list(work + "/state/quarantine").count == 1)
            #expect(DaemonWorkspace.list(work + "/inbox").filter { $0 != ".shopperd" }.isEmpty)
        }
    }
}
