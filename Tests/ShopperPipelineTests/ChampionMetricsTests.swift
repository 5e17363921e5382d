import Foundation
import GRDB  // only to damage a stored metrics document on purpose: the store has no API for that
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

@Suite(.serialized) struct ChampionMetricsTests {
    /// Unreadable stored metrics used to switch the realised-performance trigger off in silence
    /// (`try?`): the champion has no validation figure to compare with. Scoring goes on, and the
    /// report of every labelled batch now says the trigger is off, and why.
    @Test func unreadableMetricsAreReportedNotSilentlyIgnored() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline()
        let observer = RecordingObserver()
        // `--bootstrap FILE`: one commit stores the file and promotes the first champion.
        try dirs.temp.write("boot.csv", SessionCSV.encode(PipelineFixtures.bootstrap, labelled: true))
        guard case .trained(let version, _) = try await pipeline.bootstrap(from: dirs.temp.file("boot.csv")) else {
            Issue.record("the bootstrap file trained no champion")
            return
        }
        let (champion, stored) = (try pipeline.store.aliases()[.champion], try pipeline.store.currentVersion())
        #expect(version == 1 && champion == 1 && stored == 1)
        let promotion = try #require(try pipeline.store.aliasHistory(.champion).first)
        #expect(promotion.reason.hasPrefix("bootstrap: first champion, trained on \(PipelineFixtures.bootstrap.count) labelled rows of boot.csv "
            + "and the store (store versions 1…1); evidence: "), "\(promotion.reason)")

        let queue = try DatabaseQueue(path: pipeline.store.path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE models SET metrics = ? WHERE version = 1", arguments: [Data("{}".utf8)])
        }
        try dirs.drop("1-labelled.csv", PipelineFixtures.spreadHeldBack, labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        let report = try dirs.report("1-labelled")
        #expect(report.decision == .score)
        #expect(report.realised?.validationROCAUC == nil && report.realised?.triggered == false)
        #expect(report.reason.contains("the realised-performance trigger is off for champion v1: its stored metrics cannot be read"),
                "\(report.reason)")
    }
}
