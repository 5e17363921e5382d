import Foundation

/// The registry's two aliases: the model that serves, and the one being tried against it.
package enum ModelAlias: String, Sendable, Hashable, Codable, CaseIterable {
    case champion
    case challenger
}

/// A trained model to register (see `ModelCatalog.draft`). The store keeps the three documents
/// opaque (their format is ShopperPipeline's `ModelDocuments`), so it does not depend on ShopperML.
package struct ModelDraft: Sendable, Hashable {
    /// Hyper-parameters, JSON.
    package var params: Data
    /// Held-out metrics and the operating threshold, JSON.
    package var metrics: Data
    /// Feature importances, JSON.
    package var importances: Data
    /// The store version whose data the model was trained on (the newest version included).
    package var trainingStoreVersion: Int
    /// The oldest store version in the training window, when it did not start at version 1.
    package var trainingFromVersion: Int?
    /// How many rows the final model was fitted on.
    package var trainingRowCount: Int
    package var seed: UInt64
    /// The shopperd version (or commit) that trained it.
    package var codeVersion: String
    /// The model file's bytes.
    package var modelFile: Data

    package init(
        params: Data, metrics: Data, importances: Data, trainingStoreVersion: Int, trainingFromVersion: Int? = nil,
        trainingRowCount: Int, seed: UInt64, codeVersion: String, modelFile: Data
    ) {
        self.params = params
        self.metrics = metrics
        self.importances = importances
        self.trainingStoreVersion = trainingStoreVersion
        self.trainingFromVersion = trainingFromVersion
        self.trainingRowCount = trainingRowCount
        self.seed = seed
        self.codeVersion = codeVersion
        self.modelFile = modelFile
    }
}

/// A registered model version (without its file's bytes: see `ShopperStore.modelFile(version:)`).
package struct ModelRecord: Sendable, Hashable {
    package var version: Int
    package var createdAt: Date
    package var params: Data
    package var metrics: Data
    package var importances: Data
    package var trainingStoreVersion: Int
    package var trainingFromVersion: Int?
    package var trainingRowCount: Int
    package var seed: UInt64
    package var codeVersion: String
    /// The model file's size in bytes and SHA-256 (lowercase hex), to check a file against.
    package var modelFileSize: Int
    package var modelSHA256: String
    /// The aliases currently pointing at this version.
    package var aliases: [ModelAlias]
}

/// One change of an alias: a promotion, a rollback or a removal.
package struct AliasChange: Sendable, Hashable, Codable {
    package enum Action: String, Sendable, Hashable, Codable {
        case promote
        case rollback
        case remove
    }

    package var alias: ModelAlias
    package var action: Action
    /// The version the alias pointed at before (nil: unset).
    package var fromVersion: Int?
    /// The version it points at after (nil: unset).
    package var toVersion: Int?
    package var reason: String
    package var changedAt: Date

    enum CodingKeys: String, CodingKey {
        case alias, action, reason
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case changedAt = "changed_at"
    }
}
