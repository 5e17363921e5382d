import Foundation
import ShopperCore
import ShopperStore
import Testing
@testable import ShopperPipeline

/// A challenger kept out is not tried again on the same labelled rows: training is seeded, so the
/// same rows give the same challenger and the same verdict. An unlabelled drifted batch that brings
/// nothing new waits for labels; the next labelled batch retrains.
@Suite(.serialized) struct RetrainRepeatTests {
    @Test func aDriftedUnlabelledBatchDoesNotRepeatAKeptOutTrial() async throws {
        var settings = PipelineFixtures.settings
        settings.promotion.margin = -1  // a challenger must beat the champion by a full unit of ROC AUC: never promoted
        let (dirs, pipeline, observer) = try await PipelineFixtures.bootstrapped(settings)

        try dirs.drop("1-november.csv", Array(PipelineFixtures.november.prefix(800)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        try dirs.drop("2-nov-unlabelled.csv", Array(PipelineFixtures.november.suffix(300)), labelled: false)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        try dirs.drop("3-nov-labelled.csv", Array(PipelineFixtures.november.dropFirst(800).prefix(300)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        #expect(await observer.decisions == ["bootstrap-trained", "retrain-kept", "score-awaiting-labels", "retrain-kept"])
        let unlabelled = try dirs.report("2-nov-unlabelled")
        #expect(unlabelled.drift?.criticalDrift == true)
        #expect(unlabelled.models.challenger == nil && unlabelled.models.serving == 1)
        #expect(unlabelled.reason.contains("already used by the last challenger trial (store version 2)"))
        let skipped = await observer.finished.map(\.outcome.retrainSkipped)[2]
        #expect(skipped?.reason == "no labelled rows since the last challenger trial")
        // Models: v1 champion, v2 kept out after batch 1, v3 kept out after batch 3 — no model for batch 2.
        let models = try pipeline.store.models()
        #expect(models.map(\.version) == [1, 2, 3])
        #expect(models.map(\.trainingStoreVersion) == [1, 2, 4])
        #expect(try pipeline.store.aliases()[.champion] == 1)
        let last = try dirs.report("3-nov-labelled")
        #expect(last.models.challenger == 3 && last.models.evaluation?.promoted == false)

        // The operator promotes v2 by hand: trials from before that were judged against another
        // champion and do not count, so the next drifted batch without labels retrains against v2.
        _ = try pipeline.store.promote(version: 2, reason: "operator: serve v2")
        try dirs.drop("4-nov-unlabelled-again.csv", Array(PipelineFixtures.november.suffix(250)), labelled: false)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        #expect(await observer.decisions.last == "retrain-kept")
        #expect(try dirs.report("4-nov-unlabelled-again").models.championBefore == 2)
    }
}
