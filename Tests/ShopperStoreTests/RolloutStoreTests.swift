import Foundation
import Testing
@testable import ShopperStore

/// Rollouts in a real SQLite store: one at a time, predictions kept once, and every reported
/// outcome counted exactly once as joined, duplicate, unknown or late.
@Suite struct RolloutStoreTests {
    static func draft(champion: Int = 1, challenger: Int = 2, mode: RolloutMode = .shadow) -> RolloutDraft {
        RolloutDraft(mode: mode, share: mode == .ab ? 0.5 : 0, championVersion: champion, challengerVersion: challenger,
                     startedAt: Date(), deadline: Date().addingTimeInterval(3_600), maxOutcomes: 100, settings: Data("{}".utf8),
                     reason: "test")
    }

    static func prediction(_ id: String, rollout: Int, outcome: Bool? = nil) -> RolloutPrediction {
        RolloutPrediction(predictionID: id, rolloutID: rollout, source: .live, championProbability: 0.2, challengerProbability: 0.3,
                          answeredBy: 1, predictedAt: Date(), outcome: outcome)
    }

    @Test func oneRolloutAtATimeAndOnlyOfRegisteredModels() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        for n in 1...3 { try store.registerModel(RegistryTests.draft(n)) }
        #expect(throws: StoreError.unknownModel(9)) { try store.startRollout(Self.draft(challenger: 9)) }
        let first = try store.startRollout(Self.draft())
        #expect(first.state == .running && first.mode == .shadow)
        #expect(throws: StoreError.rolloutRunning(id: first.id)) { try store.startRollout(Self.draft(challenger: 3)) }
        let ended = try store.transaction { try $0.endRollout(id: first.id, state: .stopped, verdict: "by hand", look: nil) }
        #expect(ended)
        // Ending twice changes nothing (a look and an operator racing).
        #expect(try !store.transaction { try $0.endRollout(id: first.id, state: .promoted, verdict: "late", look: nil) })
        #expect(try store.rollout(id: first.id)?.state == .stopped)
        #expect(try store.runningRollout() == nil)
        let second = try store.startRollout(Self.draft(challenger: 3, mode: .ab))
        #expect(try store.runningRollout()?.id == second.id)
        #expect(try store.rollouts().map(\.id) == [second.id, first.id])
    }

    @Test func everyOutcomeIsCountedOnceJoinedDuplicateUnknownOrLate() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        for n in 1...2 { try store.registerModel(RegistryTests.draft(n)) }
        let rollout = try store.startRollout(Self.draft())
        try store.recordRolloutPredictions([Self.prediction("a", rollout: rollout.id), Self.prediction("b", rollout: rollout.id),
                                            Self.prediction("c", rollout: rollout.id, outcome: false)])
        // A retried write of the same ids changes nothing.
        try store.recordRolloutPredictions([RolloutPrediction(
            predictionID: "a", rolloutID: rollout.id, source: .live, championProbability: 0.9, challengerProbability: 0.9,
            answeredBy: 2, predictedAt: Date())])

        let counts = try store.joinOutcomes([
            OutcomeReport(predictionID: "a", outcome: true), OutcomeReport(predictionID: "a", outcome: false),
            OutcomeReport(predictionID: "c", outcome: true), OutcomeReport(predictionID: "zzz", outcome: true),
        ])
        #expect(counts.joined == 1 && counts.duplicate == 2 && counts.unknown == 1 && counts.late == 0 && counts.total == 4)
        let outcomes = try store.rolloutOutcomes(id: rollout.id)
        #expect(outcomes.predictions == 3)
        #expect(outcomes.labels.sorted { !$0 && $1 } == [false, true])  // c (its own label) and a (the first report)
        #expect(outcomes.champion == [0.2, 0.2] && outcomes.challenger == [0.3, 0.3])

        try store.transaction { _ = try $0.endRollout(id: rollout.id, state: .rejected, verdict: "worse", look: nil) }
        let late = try store.joinOutcomes([OutcomeReport(predictionID: "b", outcome: true), OutcomeReport(predictionID: "q", outcome: false)])
        #expect(late.late == 1 && late.unknown == 1 && late.joined == 0)
        #expect(try store.rolloutOutcomes(id: rollout.id).labels.count == 2)  // a late outcome is not joined
        let record = try #require(try store.rollout(id: rollout.id))
        // The duplicates and the unknown id while it ran, the late one after; the unknown one after
        // the end belongs to no rollout.
        #expect(record.duplicateOutcomes == 2 && record.unknownOutcomes == 1 && record.lateOutcomes == 1)
    }

    @Test func batchRowsRecordWhichModelAnswered() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        for n in 1...2 { try store.registerModel(RegistryTests.draft(n)) }
        let rollout = try store.startRollout(Self.draft(mode: .ab))
        try store.recordRolloutPredictions((1...4).map { row in
            RolloutPrediction(predictionID: "b7-\(row)", rolloutID: rollout.id, source: .batch, batchVersion: nil, rowNumber: row,
                              championProbability: 0.1, challengerProbability: 0.2, answeredBy: row % 2 == 0 ? 2 : 1, predictedAt: Date())
        })
        #expect(try store.rolloutOutcomes(id: rollout.id).answeredByChallenger == 2)
        #expect(try store.answeringModels(batchVersion: 7).isEmpty)  // rows without a stored batch version
    }
}
