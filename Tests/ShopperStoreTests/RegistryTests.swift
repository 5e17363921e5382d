import Foundation
import ShopperCore
import Testing
@testable import ShopperStore

@Suite struct RegistryTests {
    static func draft(_ n: Int, trainedOn version: Int = 1) -> ModelDraft {
        ModelDraft(
            params: Data("{\"trees\":\(n)}".utf8), metrics: Data("{\"roc_auc\":0.9\(n)}".utf8),
            importances: Data("{\"PageValues\":0.4}".utf8), trainingStoreVersion: version, trainingFromVersion: nil,
            trainingRowCount: 100 * n, seed: UInt64.max - UInt64(n), codeVersion: "0.1.0", modelFile: Data(repeating: UInt8(n), count: 1_000 + n))
    }

    @Test func registerAndReadBack() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let created = Date(timeIntervalSince1970: 1_700_000_123.5)
        let first = try store.registerModel(Self.draft(1), createdAt: created)
        let second = try store.registerModel(Self.draft(2))
        #expect(first.version == 1 && second.version == 2)
        #expect(first.createdAt == created)
        #expect(first.seed == UInt64.max - 1)
        #expect(first.params == Data("{\"trees\":1}".utf8))
        #expect(first.trainingRowCount == 100 && first.trainingStoreVersion == 1 && first.trainingFromVersion == nil)
        #expect(first.modelFileSize == 1_001)
        #expect(first.modelSHA256 == SHA256.hex(of: [UInt8](repeating: 1, count: 1_001)))
        #expect(try store.modelFile(version: 2) == Data(repeating: 2, count: 1_002))
        #expect(try store.models().map(\.version) == [1, 2])
        #expect(throws: StoreError.unknownModel(9)) { try store.model(version: 9) }
        #expect(throws: StoreError.unknownModel(9)) { try store.modelFile(version: 9) }
    }

    @Test func promoteRollbackAndHistory() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        for n in 1...3 { try store.registerModel(Self.draft(n)) }
        #expect(throws: StoreError.aliasNotSet(.champion)) { try store.model(alias: .champion) }
        #expect(throws: StoreError.nothingToRollBack(.champion)) { try store.rollback(reason: "none yet") }

        try store.promote(version: 1, reason: "first model")
        try store.promote(version: 2, reason: "drift in PageValues, challenger better")
        // Promoting what the alias already names changes nothing and records nothing ("2 → 2").
        #expect(throws: StoreError.aliasAlreadySet(.champion, version: 2)) { try store.promote(version: 2, reason: "re-promoted") }
        try store.promote(version: 3, to: .challenger, reason: "trying 3")
        try store.promote(version: 3, reason: "3 wins")
        #expect(try store.aliases() == [.champion: 3, .challenger: 3])
        #expect(try store.model(version: 3).aliases == [.champion, .challenger])

        let back = try store.rollback(.champion, reason: "3 underperforms")
        #expect(back.fromVersion == 3 && back.toVersion == 2 && back.action == .rollback)
        #expect(try store.model(alias: .champion).version == 2)
        try store.rollback(reason: "2 too")
        #expect(try store.model(alias: .champion).version == 1)
        #expect(throws: StoreError.nothingToRollBack(.champion)) { try store.rollback(reason: "no more") }

        try store.removeAlias(.challenger, reason: "decided")
        #expect(try store.aliases()[.challenger] == nil)
        #expect(throws: StoreError.aliasNotSet(.challenger)) { try store.removeAlias(.challenger, reason: "again") }

        let history = try store.aliasHistory(.champion)
        #expect(history.map(\.toVersion) == [1, 2, 3, 2, 1])
        #expect(history.map(\.fromVersion) == [nil, 1, 2, 3, 2])
        #expect(history.map(\.action) == [.promote, .promote, .promote, .rollback, .rollback])
        #expect(history[1].reason == "drift in PageValues, challenger better")
        #expect(try store.aliasHistory().count == history.count + 2)
        #expect(throws: StoreError.unknownModel(42)) { try store.promote(version: 42, reason: "x") }
    }

    @Test func predictionsAreReplacedNotDuplicated() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        _ = try store.ingest(try StoreFixtures.batch("a.csv", pages: [1, 2, 3]), receivedAt: Date())
        try store.registerModel(Self.draft(1))
        let predictions = (1...3).map { Prediction(rowNumber: $0, probability: Double($0) / 4, label: $0 > 1) }
        try store.savePredictions(predictions, batchVersion: 1, modelVersion: 1)
        try store.savePredictions(predictions, batchVersion: 1, modelVersion: 1)
        #expect(try store.predictions(batchVersion: 1, modelVersion: 1) == predictions)
        #expect(throws: StoreError.unknownVersion(2, current: 1)) {
            try store.savePredictions(predictions, batchVersion: 2, modelVersion: 1)
        }
        #expect(throws: StoreError.unknownModel(2)) { try store.savePredictions(predictions, batchVersion: 1, modelVersion: 2) }
    }

    @Test func performanceOverTime() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        _ = try store.ingest(try StoreFixtures.batch("a.csv", pages: [1, 2]), receivedAt: Date())
        _ = try store.ingest(try StoreFixtures.batch("b.csv", pages: [3, 4]), receivedAt: Date())
        try store.registerModel(Self.draft(1))
        try store.registerModel(Self.draft(2))
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        let a = BatchPerformance(batchVersion: 1, modelVersion: 1, rowCount: 2, positiveCount: 1, threshold: 0.3,
                                 rocAUC: 0.9, recall: 1, precision: 0.5, recordedAt: at)
        let b = BatchPerformance(batchVersion: 2, modelVersion: 2, rowCount: 2, positiveCount: 0, threshold: 0.3,
                                 rocAUC: nil, recall: nil, precision: nil, recordedAt: at)
        try store.recordPerformance(a)
        try store.recordPerformance(b)
        #expect(try store.performance() == [a, b])
        #expect(try store.performance(modelVersion: 2) == [b])
    }
}
