import Foundation
import ShopperCore
import ShopperML

/// The three JSON documents the model registry stores next to a model file: `params`, `metrics`,
/// `importances`. The store keeps them opaque (it does not depend on ShopperML, whose types they
/// hold); the catalog writes them (`ModelCatalog.draft`) and reads them (`ModelEntry`).
///
/// Their format is frozen (`JSONPolicy.Form.registryDocument`): camelCase keys as in model files,
/// dates as reference-date seconds. The stored bytes are mirrored verbatim to MLflow as artifacts.
package enum ModelDocuments {
    /// `params`: how the model was grown and what it reads.
    package struct Parameters: Sendable, Codable, Hashable {
        package var forest: ForestParameters
        package var featureNames: [String]
        package var threshold: Double
        /// The map from raw score to probability the model file holds; nil for a model without one
        /// (trained before calibration existed: it serves raw scores).
        package var calibration: ScoreCalibration?

        package init(forest: ForestParameters, featureNames: [String], threshold: Double, calibration: ScoreCalibration? = nil) {
            self.forest = forest
            self.featureNames = featureNames
            self.threshold = threshold
            self.calibration = calibration
        }
    }

    /// `metrics`: how good it is and how its threshold was chosen, all on data it was not fitted on
    /// (out-of-bag predictions, a held-out part), plus the tuning trials and its provenance.
    package struct Metrics: Sendable, Codable, Hashable {
        package var threshold: Double
        package var thresholdChoice: ThresholdChoice?
        package var holdout: ClassificationReport?
        package var outOfBag: ClassificationReport?
        package var tuning: [TuningTrial]
        package var provenance: Provenance

        package init(
            threshold: Double, thresholdChoice: ThresholdChoice?, holdout: ClassificationReport?,
            outOfBag: ClassificationReport?, tuning: [TuningTrial], provenance: Provenance
        ) {
            self.threshold = threshold
            self.thresholdChoice = thresholdChoice
            self.holdout = holdout
            self.outOfBag = outOfBag
            self.tuning = tuning
            self.provenance = provenance
        }
    }

    /// `importances`: `[FeatureImportance]`, most important first.
    package typealias Importances = [FeatureImportance]

    /// The three documents of a model, as stored.
    package static func encode(_ model: ForestModel) throws(ForestError) -> (params: Data, metrics: Data, importances: Data) {
        do {
            let params = try JSONPolicy.encode(Parameters(
                forest: model.parameters, featureNames: model.featureNames, threshold: model.threshold, calibration: model.calibration),
                form: .registryDocument)
            let metadata = model.metadata
            let metrics = try JSONPolicy.encode(Metrics(
                threshold: model.threshold, thresholdChoice: metadata.thresholdChoice, holdout: metadata.holdout,
                outOfBag: metadata.outOfBag, tuning: metadata.tuning, provenance: metadata.provenance), form: .registryDocument)
            let importances = try JSONPolicy.encode(metadata.importances, form: .registryDocument)
            return (params, metrics, importances)
        } catch {
            throw .invalidModelFile("cannot encode the registry documents: \(error)")
        }
    }
}
