import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// What `shopperd train`, `models` and `score` need from the catalog beyond the daemon's calls:
/// the labelled rows of a store version, registering (and promoting) in one transaction, reading
/// entries with their documents decoded, and resolving `3` / `champion` to a model.
extension ModelCatalog {
    /// Every labelled silver row of versions 1…`asOf` (default: the current version), in ingest
    /// order, with the version they reflect. Throws `StoreError.unknownVersion` for a version the
    /// store does not have, `CatalogError.noLabelledRows` when there is nothing to train on.
    package func trainingSessions(asOf version: Int? = nil) throws -> (storeVersion: Int, sessions: [Session]) {
        let rows = try trainingRows(asOf: version)
        return (rows.storeVersion, rows.sessions)
    }

    /// `trainingSessions`, with the store version each row came from.
    package func trainingRows(asOf version: Int? = nil) throws -> (storeVersion: Int, sessions: [Session], versions: [Int]) {
        let current = try store.currentVersion()
        let target = version ?? current
        guard target >= 0, target <= current else { throw StoreError.unknownVersion(target, current: current) }
        guard target > 0 else { throw CatalogError.noLabelledRows(storeVersion: 0) }
        let rows = try store.labelledSessions(fromVersion: 1, throughVersion: target)
        guard !rows.isEmpty else { throw CatalogError.noLabelledRows(storeVersion: target) }
        return (target, rows.map(\.session), rows.map(\.version))
    }

    /// Registers a trained model and, if `alias` is given, points it there — one transaction, so
    /// a crash never leaves a model registered but not promoted as asked.
    @discardableResult
    package func register(
        _ model: ForestModel, trainingFromVersion: Int? = nil, promoteTo alias: ModelAlias? = nil, reason: String = "",
        at date: Date = Date()
    ) throws -> (record: ModelRecord, change: AliasChange?) {
        let draft = try Self.draft(for: model, trainingFromVersion: trainingFromVersion)
        let (version, change) = try store.transaction { transaction in
            let version = try transaction.registerModel(draft, createdAt: date)
            let change = try alias.map { try transaction.promote(version: version, to: $0, reason: reason, at: date) }
            if let change { try transaction.recordModelChange(change) }
            return (version, change)
        }
        return (try store.model(version: version), change)
    }

    /// Every registered model with its documents decoded, oldest first.
    package func entries() throws -> [ModelEntry] {
        try store.models().map { record throws(CatalogError) in try ModelEntry(record: record) }
    }

    /// One registered model with its documents decoded.
    package func entry(_ reference: ModelReference) throws -> ModelEntry {
        try ModelEntry(record: store.model(version: try version(of: reference)))
    }

    /// The version a reference names (throws `StoreError.unknownModel` / `aliasNotSet`).
    package func version(of reference: ModelReference) throws -> Int {
        switch reference {
        case .version(let version):
            _ = try store.model(version: version)
            return version
        case .alias(let alias):
            guard let version = try store.aliases()[alias] else { throw StoreError.aliasNotSet(alias) }
            return version
        }
    }

    /// The model a reference names, loaded (and cached) like `model(version:)`.
    package func model(_ reference: ModelReference) throws -> (version: Int, model: ForestModel) {
        let version = try version(of: reference)
        return (version, try model(version: version))
    }

    /// A registered model file's bytes, checked against the SHA-256 recorded at registration.
    package func modelFile(_ reference: ModelReference) throws -> (record: ModelRecord, bytes: Data) {
        let record = try store.model(version: try version(of: reference))
        let bytes = try store.modelFile(version: record.version)
        let digest = bytes.withUnsafeBytes { SHA256.hex(of: $0) }
        guard digest == record.modelSHA256 else {
            throw CatalogError.corruptModelFile(version: record.version, expectedSHA256: record.modelSHA256, foundSHA256: digest)
        }
        return (record, bytes)
    }
}
