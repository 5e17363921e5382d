/// Why the model catalog could not do what was asked, with what to do about it.
///
/// Store failures stay `StoreError` and forest failures `ForestError`; these are the catalog's
/// own: a training window without labels, and registry entries that cannot be trusted.
package enum CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The store holds no labelled row as of `storeVersion` (0: the store is empty).
    case noLabelledRows(storeVersion: Int)
    /// One of a registered model's JSON documents (`params`, `metrics`, `importances`) cannot be
    /// decoded by this build.
    case unreadableEntry(version: Int, document: String, reason: String)
    /// A model file's bytes no longer match the SHA-256 recorded when it was registered.
    case corruptModelFile(version: Int, expectedSHA256: String, foundSHA256: String)

    package var description: String {
        switch self {
        case .noLabelledRows(let version):
            version == 0
                ? "store version 0 is the empty store: there is no labelled row to train on; ingest a batch with a"
                    + " Revenue column first (`shopperd ingest FILE`)"
                : "the store has no labelled row as of version \(version) (no batch up to it has a row with Revenue TRUE or FALSE);"
                    + " ingest labelled data or pick a later --as-of version"
        case .unreadableEntry(let version, let document, let reason):
            "the registry's \(document) of model version \(version) cannot be read (\(reason)); it was written by"
                + " another shopperd version or edited by hand: upgrade shopperd, or retrain"
        case .corruptModelFile(let version, let expected, let found):
            "the file of model version \(version) is corrupt: its SHA-256 is \(found) but \(expected) was registered;"
                + " restore the store from a backup or retrain"
        }
    }
}
