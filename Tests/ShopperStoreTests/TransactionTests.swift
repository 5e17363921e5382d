import Foundation
import ShopperCore
import Testing
@testable import ShopperStore

@Suite struct TransactionTests {
    private func draft(version: Int) -> ModelDraft {
        ModelDraft(params: Data("{}".utf8), metrics: Data("{}".utf8), importances: Data("[]".utf8),
                   trainingStoreVersion: version, trainingRowCount: 3, seed: 7, codeVersion: "test",
                   modelFile: Data("model".utf8))
    }

    private func job(_ id: String, stem: String, version: Int?, model: Int?) -> JobRecord {
        JobRecord(id: id, inputName: Array("\(stem).csv".utf8), outboxStem: stem, outcome: .scored, decision: "score",
                  batchVersion: version, modelVersion: model, rowCount: 3, driftReport: nil,
                  report: Data("{\"ok\":true}".utf8), processedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func aBatchOutcomeCommitsWhole() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let batch = try StoreFixtures.batch("a.csv", pages: [1, 2, 3])
        try store.transaction { tx in
            guard case .created(let version) = try tx.ingest(batch, receivedAt: Date()) else {
                throw StoreError.database("not created")
            }
            let model = try tx.registerModel(draft(version: version.version))
            try tx.promote(version: model, reason: "first")
            try tx.savePredictions((0..<3).map { Prediction(rowNumber: $0 + 1, probability: 0.5, label: true) },
                                   batchVersion: version.version, modelVersion: model)
            try tx.recordJob(job("01", stem: "a", version: version.version, model: model))
        }
        #expect(try store.currentVersion() == 1)
        #expect(try store.aliases()[.champion] == 1)
        #expect(try store.predictions(batchVersion: 1, modelVersion: 1).count == 3)
        let recorded = try #require(try store.job(id: "01"))
        #expect(recorded.outboxStem == "a" && recorded.batchVersion == 1 && recorded.modelVersion == 1)
        #expect(recorded.report == Data("{\"ok\":true}".utf8))
        #expect(recorded.deliveredAt == nil)
        try store.markDelivered(jobID: "01", at: Date(timeIntervalSince1970: 1_700_000_100))
        #expect(try store.job(id: "01")?.deliveredAt == Date(timeIntervalSince1970: 1_700_000_100))
    }

    @Test func aFailureAnywhereLeavesNothing() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let batch = try StoreFixtures.batch("a.csv", pages: [1, 2, 3])
        #expect(throws: StoreError.self) {
            try store.transaction { tx in
                _ = try tx.ingest(batch, receivedAt: Date())
                let model = try tx.registerModel(draft(version: 1))
                try tx.promote(version: model, reason: "first")
                try tx.recordJob(job("01", stem: "a", version: 1, model: model))
                try tx.recordJob(job("01", stem: "b", version: 1, model: model))  // same id: fails
            }
        }
        #expect(try store.currentVersion() == 0)
        #expect(try store.models().isEmpty)
        #expect(try store.aliases().isEmpty)
        #expect(try store.job(id: "01") == nil)
        #expect(try store.jobs().isEmpty)
        // The same batch can then be stored: nothing of the failed attempt remains.
        #expect(try store.ingest(batch, receivedAt: Date()).isNew)
    }

    @Test func outboxStemsAreUniqueAcrossJobs() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        try store.transaction { tx in try tx.recordJob(job("01", stem: "a", version: nil, model: nil)) }
        #expect(try store.transaction { tx in try tx.isOutboxStemTaken("a") })
        #expect(try !store.transaction { tx in try tx.isOutboxStemTaken("b") })
        #expect(throws: StoreError.self) {
            try store.transaction { tx in try tx.recordJob(job("02", stem: "a", version: nil, model: nil)) }
        }
        #expect(try store.jobs().map(\.id) == ["01"])
    }
}
