import Foundation
import GRDB  // only to damage a stored metrics document on purpose: the store has no API for that
import ShopperCore
import ShopperML
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
        try dirs.drop("0-bootstrap.csv", PipelineFixtures.bootstrap, labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        #expect(try pipeline.store.aliases()[.champion] == 1)

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
