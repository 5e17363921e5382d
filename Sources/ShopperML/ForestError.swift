/// Everything that can go wrong when training, scoring, saving or loading a forest.
///
/// Each message says what happened and what the operator can do about it.
package enum ForestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A hyper-parameter is out of range (e.g. `minSamplesLeaf` 0, `maxFeatures` fraction 1.5).
    case invalidParameters(String)
    /// The data handed to training cannot train anything (no rows, one class only, ragged columns).
    case invalidTrainingData(String)
    /// The rows to score do not carry the features the model was trained on, in the same order.
    case featureMismatch(expected: [String], found: [String])
    /// A model file could not be read as a shopperd forest.
    case invalidModelFile(String)
    /// A model file was written by a newer (or unknown) version of the format.
    case unsupportedModelVersion(found: Int, supported: Int)
    /// Rows carry no label where labels are needed (training, evaluation).
    case missingLabels(rows: [Int])
    /// The task training the forest was cancelled (e.g. the daemon is stopping); nothing was kept.
    case cancelled

    package var description: String {
        switch self {
        case .invalidParameters(let reason):
            "invalid forest parameters: \(reason); fix the option and run again"
        case .invalidTrainingData(let reason):
            "cannot train on this data: \(reason)"
        case .featureMismatch(let expected, let found):
            "the data's features do not match the model's: the model reads [\(expected.joined(separator: ", "))]"
                + " but the data has [\(found.joined(separator: ", "))]; score with a model trained on these features"
                + " or retrain (`shopperd train`)"
        case .invalidModelFile(let reason):
            "not a valid shopperd model file: \(reason); retrain the model or restore the file from the registry"
        case .unsupportedModelVersion(let found, let supported):
            "model file format version \(found) is not supported (this build reads up to \(supported));"
                + " upgrade shopperd or retrain the model"
        case .cancelled:
            "training was cancelled before it finished; nothing was saved, run it again"
        case .missingLabels(let rows):
            "\(rows.count) row(s) have no Revenue label (first: row \(rows.first ?? 0)); training and evaluation need labelled rows"
        }
    }
}
