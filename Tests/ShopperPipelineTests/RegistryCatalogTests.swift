import Foundation
import GRDB  // only to damage a stored model file on purpose: the store has no API for that
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline
import ShopperTestSupport

/// The catalog calls behind `shopperd train`, `models` and `score`, on a real store in a temporary
/// directory and real (small) forests.
@Suite struct RegistryCatalogTests {
    /// A store holding `batches`, each ingested as one version through the real reader.
    static func store(_ directory: TemporaryDirectory, batches: [[Session]], labelled: [Bool]) throws -> ShopperStore {
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: directory.path))
        for (index, sessions) in batches.enumerated() {
            let text = SessionCSV.encode(sessions, labelled: labelled[index])
            let batch = try BatchReader().read(bytes: Array(text.utf8), fileName: "batch-\(index + 1).csv")
            _ = try store.ingest(batch, receivedAt: Date())
        }
        return store
    }

    @Test func trainingSessionsAreEveryLabelledRowUpToTheVersion() throws {
        let directory = try TemporaryDirectory()
        let first = QuickTraining.sessions(count: 40, seed: 1)
        let unlabelled = QuickTraining.sessions(count: 30, seed: 2)
        let third = QuickTraining.sessions(count: 25, seed: 3)
        let catalog = ModelCatalog(store: try Self.store(directory, batches: [first, unlabelled, third], labelled: [true, false, true]))

        let asOfTwo = try catalog.trainingSessions(asOf: 2)
        #expect(asOfTwo.storeVersion == 2)
        #expect(asOfTwo.sessions == first)
        let current = try catalog.trainingSessions()
        #expect(current.storeVersion == 3)
        #expect(current.sessions == first + third)

        #expect(throws: StoreError.unknownVersion(4, current: 3)) { try catalog.trainingSessions(asOf: 4) }
        #expect(throws: CatalogError.noLabelledRows(storeVersion: 0)) { try catalog.trainingSessions(asOf: 0) }
    }

    @Test func noLabelledRowIsACatalogError() throws {
        let directory = try TemporaryDirectory()
        let catalog = ModelCatalog(store: try Self.store(directory, batches: [QuickTraining.sessions(count: 20)], labelled: [false]))
        #expect(throws: CatalogError.noLabelledRows(storeVersion: 1)) { try catalog.trainingSessions() }
        let empty = ModelCatalog(store: try ShopperStore.open(directory: URL(fileURLWithPath: try TemporaryDirectory().path)))
        #expect(throws: CatalogError.noLabelledRows(storeVersion: 0)) { try empty.trainingSessions() }
        #expect(CatalogError.noLabelledRows(storeVersion: 1).description.contains("Revenue"))
    }

    @Test func registerPromotesInTheSameStepAndEntriesDecodeTheDocuments() async throws {
        let directory = try TemporaryDirectory()
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: directory.path))
        let catalog = ModelCatalog(store: store)
        let model = try await ModelCatalog.train(
            QuickTraining.sessions(count: 400), features: .inputs, configuration: QuickTraining.configuration, storeVersion: 5)

        let (first, noChange) = try catalog.register(model, trainingFromVersion: 2)
        #expect(noChange == nil)
        #expect(first.aliases.isEmpty && first.trainingFromVersion == 2 && first.trainingStoreVersion == 5)
        let (second, change) = try catalog.register(model, promoteTo: .champion, reason: "first champion")
        #expect(change?.toVersion == second.version && change?.fromVersion == nil && change?.reason == "first champion")
        #expect(second.aliases == [.champion])
        #expect(try store.aliasHistory().map(\.reason) == ["first champion"])

        let entries = try catalog.entries()
        #expect(entries.map(\.version) == [first.version, second.version])
        let entry = try catalog.entry(.alias(.champion))
        #expect(entry.version == second.version)
        #expect(entry.parameters.forest == model.parameters)
        #expect(entry.parameters.featureNames == model.featureNames)
        #expect(entry.parameters.threshold == model.threshold)
        #expect(entry.metrics.holdout == model.metadata.holdout)
        #expect(entry.metrics.outOfBag == model.metadata.outOfBag)
        #expect(entry.metrics.provenance.trainingRows == 400)
        #expect(entry.importances == model.metadata.importances)

        #expect(try catalog.version(of: .version(first.version)) == first.version)
        #expect(throws: StoreError.unknownModel(9)) { try catalog.version(of: .version(9)) }
        #expect(throws: StoreError.aliasNotSet(.challenger)) { try catalog.entry(.alias(.challenger)) }
        let (version, loaded) = try catalog.model(.alias(.champion))
        #expect(version == second.version && loaded.threshold == model.threshold)
    }

    @Test func promotingAnUnknownAliasTargetRegistersNothing() async throws {
        // The transaction is all or nothing: a failing promotion leaves no orphan model behind.
        let directory = try TemporaryDirectory()
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: directory.path))
        let model = try await ModelCatalog.train(
            QuickTraining.sessions(count: 300), features: .inputs, configuration: QuickTraining.configuration, storeVersion: 1)
        let draft = try ModelCatalog.draft(for: model, trainingFromVersion: nil)
        #expect(throws: StoreError.self) {
            try store.transaction { transaction in
                _ = try transaction.registerModel(draft)
                try transaction.promote(version: 99, reason: "no such model")
            }
        }
        #expect(try store.models().isEmpty)
    }

    @Test func damagedEntriesAreReportedNotTrusted() async throws {
        let directory = try TemporaryDirectory()
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: directory.path))
        let catalog = ModelCatalog(store: store)
        let model = try await ModelCatalog.train(
            QuickTraining.sessions(count: 300), features: .inputs, configuration: QuickTraining.configuration, storeVersion: 1)
        let (record, _) = try catalog.register(model)
        let (exported, bytes) = try catalog.modelFile(.version(record.version))
        #expect(exported == record)
        #expect(bytes == (try ModelFile.encode(model)))
        #expect(bytes.withUnsafeBytes { SHA256.hex(of: $0) } == record.modelSHA256)

        // Damage one byte of the stored file, and the metrics document, behind the store's back.
        var damaged = bytes
        damaged[damaged.startIndex + 10] ^= 0xFF
        let queue = try DatabaseQueue(path: store.path)
        try await queue.write { [damaged] db in
            try db.execute(sql: "UPDATE models SET model_file = ?, metrics = ? WHERE version = ?",
                           arguments: [damaged, Data("{}".utf8), record.version])
        }
        #expect(throws: CatalogError.corruptModelFile(
            version: record.version, expectedSHA256: record.modelSHA256,
            foundSHA256: damaged.withUnsafeBytes { SHA256.hex(of: $0) })) {
            try catalog.modelFile(.version(record.version))
        }
        #expect {
            try catalog.entry(.version(record.version))
        } throws: { error in
            guard case .unreadableEntry(record.version, "metrics", _) = error as? CatalogError else { return false }
            return "\(error)".contains("metrics of model version \(record.version) cannot be read")
        }
    }

    @Test func modelReferencesParse() {
        #expect(ModelReference(parsing: "3") == .version(3))
        #expect(ModelReference(parsing: "champion") == .alias(.champion))
        #expect(ModelReference(parsing: "Challenger") == .alias(.challenger))
        #expect(ModelReference(parsing: "0") == nil)
        #expect(ModelReference(parsing: "-2") == nil)
        #expect(ModelReference(parsing: "champ") == nil)
        #expect(ModelReference.version(12).description == "12")
    }
}
