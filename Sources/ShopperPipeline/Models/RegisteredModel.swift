import Foundation
import ShopperML
import ShopperStore

/// A registry entry with its JSON documents decoded: what `shopperd models` shows and what any
/// reader of the registry (reports, the MLflow mirror) works from.
///
/// The store keeps `params`, `metrics` and `importances` opaque; their formats belong to
/// `ShopperML.RegistryPayload`, so they are decoded here, once, with a clear error if a document
/// was written by a build that this one cannot read.
package struct RegisteredModel: Sendable, Hashable {
    /// The store's record: version, dates, lineage, file size and SHA-256, aliases.
    package var record: ModelRecord
    /// Forest parameters, feature names and the threshold.
    package var parameters: RegistryPayload.Parameters
    /// Threshold choice, holdout and out-of-bag reports, tuning trials, provenance.
    package var metrics: RegistryPayload.Metrics
    /// Feature importances, most important first.
    package var importances: RegistryPayload.Importances

    package init(record: ModelRecord) throws(CatalogError) {
        self.record = record
        parameters = try Self.decode(RegistryPayload.Parameters.self, from: record.params, document: "params", version: record.version)
        metrics = try Self.decode(RegistryPayload.Metrics.self, from: record.metrics, document: "metrics", version: record.version)
        importances = try Self.decode(RegistryPayload.Importances.self, from: record.importances, document: "importances",
                                      version: record.version)
    }

    package var version: Int { record.version }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, document: String, version: Int) throws(CatalogError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .unreadableEntry(version: version, document: document, reason: String(describing: error))
        }
    }
}
