import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// A registered model as the catalog loads it: the store's `ModelRecord` with its three
/// `ModelDocuments` decoded. What `shopperd models` and `train` show.
///
/// The documents are decoded here, once, with a clear error if one was written by a build that
/// this one cannot read.
package struct ModelEntry: Sendable, Hashable {
    /// The store's record: version, dates, lineage, file size and SHA-256, aliases.
    package var record: ModelRecord
    /// Forest parameters, feature names and the threshold.
    package var parameters: ModelDocuments.Parameters
    /// Threshold choice, holdout and out-of-bag reports, tuning trials, provenance.
    package var metrics: ModelDocuments.Metrics
    /// Feature importances, most important first.
    package var importances: ModelDocuments.Importances

    package init(record: ModelRecord) throws(CatalogError) {
        self.record = record
        parameters = try Self.decode(ModelDocuments.Parameters.self, from: record.params, document: "params", version: record.version)
        metrics = try Self.decode(ModelDocuments.Metrics.self, from: record.metrics, document: "metrics", version: record.version)
        importances = try Self.decode(ModelDocuments.Importances.self, from: record.importances, document: "importances",
                                      version: record.version)
    }

    package var version: Int { record.version }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, document: String, version: Int) throws(CatalogError) -> T {
        do {
            return try JSONPolicy.decode(type, from: data)
        } catch {
            throw .unreadableEntry(version: version, document: document, reason: String(describing: error))
        }
    }
}
