import Foundation
import ShopperPipeline
import Testing

extension DaemonEndToEndTests {
    /// A feed that delivers one month per file: each labelled batch holds one of the champion's own
    /// months (rows it never trained on). Compared with the whole Feb–Jul reference every such
    /// batch "drifted" in Month and retrained; compared with the reference rows of its month, none
    /// does. Real binary, `run --once` on a copy of the bootstrapped state (champion v1).
    @Suite struct DaemonCalendarTests {
        @Test func singleMonthBatchesOfTheChampionsOwnMonthsDoNotRetrain() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let batches = [("may", "May", 200), ("march", "Mar", 200), ("july", "Jul", 90)]
            for (index, (name, month, rows)) in batches.enumerated() {
                try workspace.deliver(DaemonBatches.singleMonth(month, rows: rows, labelled: true), as: "\(name).csv")
                try workspace.setModificationTime("\(name).csv", seconds: 1_700_000_000 + 100 * index)
            }
            // The realised-performance trigger off: this test is about drift alone.
            let run = try await workspace.runOnce(["--set", "retrain.performance-margin=-1"])
            #expect(await run.exitStatus() == 0)
            for (name, month, rows) in batches {
                let report = try workspace.report(name)
                let drift = try #require(report.drift)
                #expect(report.decision == .score, "\(name): \(report.reason)")
                #expect(!drift.criticalDrift && drift.drivers.isEmpty, "\(name): \(drift.drivers.map(\.name))")
                #expect(drift.monthsMatched.map(\.name) == [month] && drift.calendarMatch != .none)
                #expect(drift.currentRows == rows && drift.referenceRowsCompared < drift.referenceRows)
                #expect(drift.columns.filter(\.calendar).map(\.column.name) == ["SpecialDay", "Month"])
            }
        }
    }
}
