import Foundation
import Testing
@testable import ShopperInbox
@testable import ShopperDaemon
import ShopperPipeline

/// Events about models and their evidence say what happened: a training
/// failure is not "waiting for labels", and an undefined score is no "nan".
@Suite struct EvidenceEventTests {
    let batch = InboxFileName("november.csv")!

    @Test func aTrainingFailureSaysTrainingFailed() {
        let event = DaemonEvent.retrainSkipped(
            batch: batch, reason: "training failed: cannot train on this data: …", labelledRows: 400, requiredRows: 200,
            cause: .trainingFailed)
        #expect(event.message == "retraining failed for batch november.csv on 400 labelled rows: training failed: cannot train on this data: …; the champion serves")
        #expect(!event.message.contains("needed"))
        #expect(event.fields.contains { $0.name == "CAUSE" && String(decoding: $0.value, as: UTF8.self) == "training-failed" })
        let waiting = DaemonEvent.retrainSkipped(batch: batch, reason: "not enough labelled rows", labelledRows: 40, requiredRows: 200)
        #expect(waiting.message == "retraining skipped for batch november.csv: not enough labelled rows (40 labelled rows, 200 needed)")
    }

    @Test func anUndefinedScoreIsLeftOutNotNaN() {
        let event = DaemonEvent.modelPromoted(
            batch: nil, previousVersion: nil, modelVersion: "v1", metric: "bootstrap holdout roc_auc", championScore: nil,
            challengerScore: nil, duration: .seconds(1), decision: .bootstrapTrained)
        #expect(event.message == "model v1 promoted: bootstrap holdout roc_auc undefined")
        #expect(!event.fields.contains { $0.name == "CHALLENGER_SCORE" })
    }

    @Test func theFirstChampionWaitingEventNamesTheBatchAndWhatIsMissing() {
        let reason = "no champion yet: the first champion waits for more labelled rows: 184 labelled rows, 3 buyers; need ≥ 25 buyers (have 3)"
        let event = DaemonEvent.firstChampionWaiting(batch: InboxFileName("february.csv")!, reason: reason)
        #expect(event.message == "batch february.csv stored as data: " + reason)
        #expect(event.kind.priority == .warning)
        let names = event.fields.map(\.name)
        #expect(names == ["SHOPPERD_BATCH", "DECISION", "REASON"])
    }
}
