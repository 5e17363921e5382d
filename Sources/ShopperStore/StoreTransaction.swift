import Foundation
import GRDB
import ShopperCore

/// The store's write operations, for use inside one `ShopperStore.transaction { }`.
///
/// The daemon must record a batch's whole outcome — the new data version, a retrained model, an
/// alias change, the predictions, the realised performance and the job's report — atomically: a
/// crash between two of them would leave, say, a version without predictions, and the batch could
/// neither be redone (its hash is stored) nor finished. So each operation exists once, here, and
/// the single-operation methods on `ShopperStore` are one-line transactions around it.
///
/// Only valid inside the closure it was given to.
package struct StoreTransaction {
    let db: Database

    /// See `ShopperStore.ingest(_:receivedAt:gold:)`.
    package func ingest(_ batch: ParsedBatch, receivedAt: Date, gold: GoldFeatures.Configuration = .standard) throws -> IngestResult {
        guard batch.rowCount > 0 else { throw StoreError.emptyBatch(file: batch.fileName) }
        if let existing = try ShopperStore.version(db, sha256: batch.sha256) {
            return .alreadyIngested(existing)
        }
        let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM batches") ?? 0) + 1
        let firstRowID = (try Int.fetchOne(db, sql: "SELECT MAX(id) FROM silver_rows") ?? 0) + 1
        let lastRowID = firstRowID + batch.rowCount - 1
        let peakMonths = gold.peakMonths.sorted()
        let record = StoreVersion(
            version: version, fileName: batch.fileName, byteSize: batch.byteSize, sha256: batch.sha256,
            receivedAt: receivedAt, ingestedAt: Date(), isLabelled: batch.isLabelled,
            rowCount: batch.rowCount, labelledCount: batch.labelledCount, positiveCount: batch.positiveCount, duplicateCount: batch.duplicateCount,
            quarantinedCount: batch.quarantined.count, header: batch.header, unknownColumns: batch.unknownColumns,
            policy: batch.quarantined.isEmpty ? .reject : .quarantineRows, peakMonths: peakMonths,
            firstRowID: firstRowID, lastRowID: lastRowID)
        try ShopperStore.insertBatch(db, record)
        try ShopperStore.insertRows(db, batch, version: version, firstRowID: firstRowID, gold: gold)
        try ShopperStore.insertQuarantined(db, batch.quarantined, version: version)
        // Read back, so the caller holds exactly what later reads return (dates as stored).
        guard let stored = try ShopperStore.version(db, sha256: batch.sha256) else {
            throw StoreError.database("version \(version) vanished inside its own transaction")
        }
        return .created(stored)
    }

    /// The newest store version (0 when empty).
    package func currentVersion() throws -> Int {
        try ShopperStore.currentVersion(db)
    }

    /// Fails with `versionMoved` unless the store is still at `version`: guards a transaction that
    /// commits work prepared from reads made before it began.
    package func requireCurrentVersion(_ version: Int) throws {
        let found = try currentVersion()
        guard found == version else { throw StoreError.versionMoved(expected: version, found: found) }
    }

    /// Registers a model; returns its version.
    package func registerModel(_ draft: ModelDraft, createdAt: Date = Date()) throws -> Int {
        let digest = draft.modelFile.withUnsafeBytes { SHA256.hex(of: $0) }
        try db.execute(sql: """
            INSERT INTO models (created_at, params, metrics, importances, training_store_version,
                training_from_version, training_row_count, seed, code_version, model_file, model_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                createdAt.timeIntervalSince1970, draft.params, draft.metrics, draft.importances,
                draft.trainingStoreVersion, draft.trainingFromVersion, draft.trainingRowCount,
                Int64(bitPattern: draft.seed), draft.codeVersion, draft.modelFile, digest,
            ])
        return Int(db.lastInsertedRowID)
    }

    /// Points `alias` at model `version`, recording the change and its reason.
    @discardableResult
    package func promote(version: Int, to alias: ModelAlias = .champion, reason: String, at date: Date = Date()) throws -> AliasChange {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM models WHERE version = ?", arguments: [version]) != nil else {
            throw StoreError.unknownModel(version)
        }
        let previous = try ShopperStore.aliases(db)[alias]
        // Not a change: recording "1 → 1" would put a promotion in the history that moved nothing
        // (and that a rollback would then have to step over).
        if previous == version { throw StoreError.aliasAlreadySet(alias, version: version) }
        let change = AliasChange(alias: alias, action: .promote, fromVersion: previous, toVersion: version,
                                 reason: reason, changedAt: date)
        try ShopperStore.apply(db, change)
        return change
    }

    /// Unsets `alias`, recording why.
    @discardableResult
    package func removeAlias(_ alias: ModelAlias, reason: String, at date: Date = Date()) throws -> AliasChange {
        guard let previous = try ShopperStore.aliases(db)[alias] else { throw StoreError.aliasNotSet(alias) }
        let change = AliasChange(alias: alias, action: .remove, fromVersion: previous, toVersion: nil,
                                 reason: reason, changedAt: date)
        try ShopperStore.apply(db, change)
        return change
    }

    /// Stores a batch's predictions by one model, replacing any earlier ones for that pair.
    package func savePredictions(_ predictions: [Prediction], batchVersion: Int, modelVersion: Int) throws {
        try ShopperStore.requireBatchAndModel(db, batchVersion: batchVersion, modelVersion: modelVersion)
        try db.execute(sql: "DELETE FROM predictions WHERE batch_version = ? AND model_version = ?",
                       arguments: [batchVersion, modelVersion])
        let insert = try RawStatement(db, sql: """
            INSERT INTO predictions (batch_version, model_version, row_number, probability, label) VALUES (?, ?, ?, ?, ?)
            """)
        for prediction in predictions {
            insert.bind(1, batchVersion)
            insert.bind(2, modelVersion)
            insert.bind(3, prediction.rowNumber)
            insert.bind(4, prediction.probability)
            insert.bind(5, prediction.label)
            try insert.execute()
        }
    }

    /// Records a model's realised performance on a labelled batch.
    package func recordPerformance(_ performance: BatchPerformance) throws {
        try ShopperStore.requireBatchAndModel(db, batchVersion: performance.batchVersion, modelVersion: performance.modelVersion)
        try db.execute(sql: """
            INSERT INTO batch_performance (batch_version, model_version, row_count, positive_count, threshold,
                roc_auc, recall, precision, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                performance.batchVersion, performance.modelVersion, performance.rowCount, performance.positiveCount,
                performance.threshold, performance.rocAUC, performance.recall, performance.precision,
                performance.recordedAt.timeIntervalSince1970,
            ])
    }
}

extension ShopperStore {
    /// Runs `body` as one write transaction: committed when it returns, rolled back if it throws.
    package func transaction<T>(_ body: (StoreTransaction) throws -> T) throws(StoreError) -> T {
        try write { db in try body(StoreTransaction(db: db)) }
    }
}
