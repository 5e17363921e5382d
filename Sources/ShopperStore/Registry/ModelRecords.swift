import Foundation

/// The registry's two aliases: the model that serves, and the one being tried against it.
public enum ModelAlias: String, Sendable, Hashable, Codable, CaseIterable {
    case champion
    case challenger
}

/// A trained model to register. The store keeps the payloads opaque (ShopperML owns their format),
/// so the store does not depend on the ML module.
public struct ModelDraft: Sendable, Hashable {
    /// Hyper-parameters, JSON.
    public var params: Data
    /// Held-out metrics and the operating threshold, JSON.
    public var metrics: Data
    /// Feature importances, JSON.
    public var importances: Data
    /// The store version whose data the model was trained on (the newest version included).
    public var trainingStoreVersion: Int
    /// The oldest store version in the training window, when it did not start at version 1.
    public var trainingFromVersion: Int?
    /// How many rows the final model was fitted on.
    public var trainingRowCount: Int
    public var seed: UInt64
    /// The shopperd version (or commit) that trained it.
    public var codeVersion: String
    /// The model file's bytes.
    public var modelFile: Data

    public init(
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
public struct ModelRecord: Sendable, Hashable {
    public var version: Int
    public var createdAt: Date
    public var params: Data
    public var metrics: Data
    public var importances: Data
    public var trainingStoreVersion: Int
    public var trainingFromVersion: Int?
    public var trainingRowCount: Int
    public var seed: UInt64
    public var codeVersion: String
    /// The model file's size in bytes and SHA-256 (lowercase hex), to check a file against.
    public var modelFileSize: Int
    public var modelSHA256: String
    /// The aliases currently pointing at this version.
    public var aliases: [ModelAlias]
}

/// One change of an alias: a promotion, a rollback or a removal.
public struct AliasChange: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case promote
        case rollback
        case remove
    }

    public var alias: ModelAlias
    public var action: Action
    /// The version the alias pointed at before (nil: unset).
    public var fromVersion: Int?
    /// The version it points at after (nil: unset).
    public var toVersion: Int?
    public var reason: String
    public var changedAt: Date

    enum CodingKeys: String, CodingKey {
        case alias, action, reason
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case changedAt = "changed_at"
    }
}
