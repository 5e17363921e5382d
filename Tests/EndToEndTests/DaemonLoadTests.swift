import Foundation
import ShopperStore
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// Many files at once through the real daemon: every input gets exactly one outcome.
    @Suite struct DaemonLoadTests {
        static let fileCount = 500

        @Test func fiveHundredFilesDroppedAtOnceGetExactlyFiveHundredOutcomes() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await workspace.start()

            // 500 distinct small batches (3 rows each), written under hidden names, then renamed in
            // back to back: a burst of IN_MOVED_TO events while the daemon works through the first ones.
            let stems = (0..<Self.fileCount).map { String(format: "burst-%03d", $0) }
            for (index, stem) in stems.enumerated() {
                try Data(DaemonBatches.stationary(rows: 3, part: index).utf8)
                    .write(to: URL(fileURLWithPath: workspace.inbox + "/." + stem + ".csv"))
            }
            for stem in stems { try workspace.rename("." + stem + ".csv", to: stem + ".csv") }

            #expect(await eventually(timeout: .seconds(240), every: .milliseconds(100)) {
                stems.allSatisfy { workspace.hasOutcome($0) }
            })
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)

            // Exactly one outcome each: a report and its predictions, no rejection, no `STEM~2` copy.
            let expected = Set(stems.flatMap { [$0 + ".predictions.csv", $0 + ".report.json"] })
            #expect(Set(workspace.outboxFiles) == expected)
            #expect(workspace.outboxFiles.count == 2 * Self.fileCount)
            // Every input left the inbox and was archived once; nothing is left claimed.
            #expect(workspace.inboxFiles.isEmpty && workspace.claimedFiles.isEmpty)
            #expect(workspace.archiveFiles.count == Self.fileCount && workspace.quarantineFiles.isEmpty)
            // Archived as ID--NAME: each name once.
            #expect(Set(workspace.archiveFiles.map { $0.components(separatedBy: "--").dropFirst().joined(separator: "--") })
                == Set(stems.map { $0 + ".csv" }))

            // The store: one delivered job per input, one store version per batch (plus the bootstrap).
            let store = try workspace.store()
            let jobs = try store.jobs()
            #expect(jobs.count == Self.fileCount)
            #expect(Set(jobs.map { String(decoding: $0.inputName, as: UTF8.self) }) == Set(stems.map { $0 + ".csv" }))
            #expect(Set(jobs.map(\.id)).count == Self.fileCount)
            #expect(jobs.allSatisfy { $0.outcome == .scored && $0.deliveredAt != nil && $0.rowCount == 3 })
            #expect(Set(jobs.compactMap(\.batchVersion)) == Set(2...(Self.fileCount + 1)))
            #expect(try store.currentVersion() == Self.fileCount + 1)

            // The journal side agrees: one batch-scored event per input.
            let scored = daemon.events("batch-scored").compactMap { $0["SHOPPERD_BATCH"] }
            #expect(scored.count == Self.fileCount && Set(scored) == Set(stems.map { $0 + ".csv" }))
        }
    }
}
