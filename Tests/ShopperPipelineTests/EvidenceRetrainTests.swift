import Foundation
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

/// The evidence rule on the challenger's side: a training failure is
/// reported as one, an undefined metric decides nothing, and held-out rows are disjoint from the
/// training rows by content.
@Suite(.serialized) struct EvidenceRetrainTests {

    /// Item 5: training fails (here: an empty tuning grid after a reload) — the batch is scored by
    /// the champion and the decision, reason and skip say that training failed, not that labels are
    /// missing.
    @Test func aTrainingFailureIsReportedAsATrainingFailure() async throws {
        let (dirs, pipeline, observer) = try await PipelineFixtures.bootstrapped()
        var broken = PipelineFixtures.settings
        broken.retrainTuning = .full
        broken.training.grid = TuningGrid(maxDepth: [], minSamplesLeaf: [], maxFeatures: [])
        await pipeline.processor.update(broken)
        try dirs.drop("1-november.csv", Array(PipelineFixtures.november.prefix(400)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        let report = try dirs.report("1-november")
        #expect(report.decision == .retrainFailed && report.models.serving == 1, "\(report.reason)")
        #expect(report.reason.contains("training a challenger on 400 new labelled rows failed: invalid forest parameters: the tuning grid is empty"),
                "\(report.reason)")
        #expect(!report.reason.contains("waits for labelled"))
        let skipped = try #require(await observer.finished.last?.outcome.retrainSkipped)
        #expect(skipped.cause == .trainingFailed && skipped.reason.hasPrefix("training failed: "))
        #expect(try pipeline.store.models().count == 1)
    }

    /// Item 7: `average_precision` on held-out rows that are all buyers is 1 for any model; the
    /// rule sees that before training, so no floating-point noise can promote anyone.
    @Test func anAllBuyerHeldOutSetDecidesNothing() async throws {
        var settings = PipelineFixtures.settings
        settings.promotionMetric = .averagePrecision
        let (dirs, pipeline, observer) = try await PipelineFixtures.bootstrapped(settings)
        let buyers = PipelineFixtures.bundled.filter { $0.month >= .oct && $0.revenue == true }
        try dirs.drop("1-buyers.csv", Array(buyers.prefix(300)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        let report = try dirs.report("1-buyers")
        #expect(report.drift?.criticalDrift == true)
        #expect(report.decision == .scoreAwaitingLabels && report.models.serving == 1 && report.models.evaluation == nil, "\(report.reason)")
        #expect(report.reason.contains("the held-out new rows cannot judge a challenger"), "\(report.reason)")
        #expect(report.reason.contains("≥ 5 held-out non-buyers (have 0 of 90 held-out rows)"), "\(report.reason)")
        let skipped = try #require(await observer.finished.last?.outcome.retrainSkipped)
        #expect(skipped.cause == .heldOutCannotJudge)
        #expect(try pipeline.store.models().count == 1)
    }

    /// Item 8: a labelled batch resampled with replacement (each row about five times). Held out by
    /// index, copies of training rows land among the held-out rows and the challenger "scores"
    /// ROC AUC ≈ 1 on rows it memorised; held out by content, it scores what it can generalise.
    @Test func aResampledBatchDoesNotLeakTrainingRowsIntoTheHeldOutRows() async throws {
        let (dirs, pipeline, observer) = try await PipelineFixtures.bootstrapped()
        let pool = Array(PipelineFixtures.november.prefix(600))
        var state: UInt64 = 0x5EED  // a seeded draw: the same batch every run
        let resampled = (0..<3_000).map { _ -> Session in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return pool[Int((state >> 33) % UInt64(pool.count))]
        }
        #expect(Set(resampled).count < 600)
        try dirs.drop("1-resampled.csv", resampled, labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        let report = try dirs.report("1-resampled")
        #expect(report.duplicateRowsInBatch > 2_000)
        let evaluation = try #require(report.models.evaluation, "\(report.reason)")
        let challenger = try #require(evaluation.challenger)
        let champion = try #require(evaluation.champion)
        // Held out by content: about 30 % of the distinct rows, with all their copies.
        #expect(evaluation.rows > 500 && evaluation.rows < 1_300, "\(evaluation.rows) held-out rows")
        // Measured: 0.84 held out by content (champion 0.80); 0.98 held out by index.
        #expect(challenger < 0.93, "challenger ROC AUC \(challenger) vs champion \(champion): memorised rows?")
    }
}
