import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore

/// The JSON layouts of `models … --format json` and `train --format json` (printed by
/// `RegistryCLI.json`). Every key is always present: unset values are `null` (`@ExplicitNull`).
/// Keys are listed in docs/registry.md.
extension ModelReport {
    /// A model as `models show --format json` prints it.
    struct Full: Encodable {
        var version: Int
        var createdAt: Date
        var aliases: [String]
        var lineage: Lineage
        var parameters: Parameters
        var featureNames: [String]
        var threshold: Double
        @ExplicitNull var calibration: ScoreCalibration?
        @ExplicitNull var thresholdChoice: ThresholdChoice?
        @ExplicitNull var holdout: ClassificationReport?
        @ExplicitNull var outOfBag: ClassificationReport?
        var importances: [FeatureImportance]
        var tuning: [Trial]
        var modelFile: ModelFileJSON

        enum CodingKeys: String, CodingKey {
            case version, createdAt = "created_at", aliases, lineage, parameters, featureNames = "feature_names"
            case threshold, thresholdChoice = "threshold_choice", holdout, outOfBag = "out_of_bag", importances
            case tuning, modelFile = "model_file", calibration
        }

        init(entry: ModelEntry) {
            let record = entry.record
            version = record.version
            createdAt = record.createdAt
            aliases = record.aliases.map(\.rawValue)
            lineage = Lineage(record: record, provenance: entry.metrics.provenance)
            parameters = Parameters(entry.parameters.forest)
            featureNames = entry.parameters.featureNames
            threshold = entry.parameters.threshold
            calibration = entry.parameters.calibration
            thresholdChoice = entry.metrics.thresholdChoice
            holdout = entry.metrics.holdout
            outOfBag = entry.metrics.outOfBag
            importances = entry.importances
            tuning = entry.metrics.tuning.map(Trial.init)
            modelFile = ModelFileJSON(bytes: record.modelFileSize, sha256: record.modelSHA256)
        }
    }

    /// One line of `models list --format json`.
    struct Summary: Encodable {
        var version: Int
        var createdAt: Date
        var aliases: [String]
        var trainingStoreVersion: Int
        @ExplicitNull var trainingFromVersion: Int?
        var trainingRows: Int
        var seed: UInt64
        var codeVersion: String
        var threshold: Double
        @ExplicitNull var holdoutROCAUC: Double?
        @ExplicitNull var outOfBagROCAUC: Double?
        var modelSHA256: String

        enum CodingKeys: String, CodingKey {
            case version, createdAt = "created_at", aliases, trainingStoreVersion = "training_store_version"
            case trainingFromVersion = "training_from_version", trainingRows = "training_rows", seed
            case codeVersion = "code_version", threshold, holdoutROCAUC = "holdout_roc_auc"
            case outOfBagROCAUC = "out_of_bag_roc_auc", modelSHA256 = "model_sha256"
        }

        init(entry: ModelEntry) {
            let record = entry.record
            version = record.version
            createdAt = record.createdAt
            aliases = record.aliases.map(\.rawValue)
            trainingStoreVersion = record.trainingStoreVersion
            trainingFromVersion = record.trainingFromVersion
            trainingRows = record.trainingRowCount
            seed = record.seed
            codeVersion = record.codeVersion
            threshold = entry.parameters.threshold
            holdoutROCAUC = entry.metrics.holdout?.rocAUC
            outOfBagROCAUC = entry.metrics.outOfBag?.rocAUC
            modelSHA256 = record.modelSHA256
        }
    }

    /// An alias change, with `from_version`/`to_version` null when unset.
    struct Change: Encodable {
        var alias: String
        var action: String
        @ExplicitNull var fromVersion: Int?
        @ExplicitNull var toVersion: Int?
        var reason: String
        var changedAt: Date

        enum CodingKeys: String, CodingKey {
            case alias, action, fromVersion = "from_version", toVersion = "to_version", reason, changedAt = "changed_at"
        }

        init(change: AliasChange) {
            alias = change.alias.rawValue
            action = change.action.rawValue
            fromVersion = change.fromVersion
            toVersion = change.toVersion
            reason = change.reason
            changedAt = change.changedAt
        }
    }

    /// `models promote V --format json` when the alias already names V.
    struct Unchanged: Encodable {
        var alias: String
        var version: Int
        var changed = false
    }

    struct Lineage: Encodable {
        var trainingStoreVersion: Int
        @ExplicitNull var trainingFromVersion: Int?
        var trainingRows: Int
        var positiveRows: Int
        var seed: UInt64
        var codeVersion: String
        @ExplicitNull var trainedAt: Date?

        enum CodingKeys: String, CodingKey {
            case trainingStoreVersion = "training_store_version", trainingFromVersion = "training_from_version"
            case trainingRows = "training_rows", positiveRows = "positive_rows", seed, codeVersion = "code_version"
            case trainedAt = "trained_at"
        }

        init(record: ModelRecord, provenance: Provenance) {
            trainingStoreVersion = record.trainingStoreVersion
            trainingFromVersion = record.trainingFromVersion
            trainingRows = record.trainingRowCount
            positiveRows = provenance.positiveRows
            seed = record.seed
            codeVersion = record.codeVersion
            trainedAt = provenance.trainedAt
        }
    }

    /// Forest parameters, `max_depth` null when unlimited.
    struct Parameters: Encodable {
        var treeCount: Int
        var maxFeatures: String
        @ExplicitNull var maxDepth: Int?
        var minSamplesLeaf: Int
        var classWeight: String
        var bootstrap: Bool
        var maxBins: Int
        var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case treeCount = "tree_count", maxFeatures = "max_features", maxDepth = "max_depth"
            case minSamplesLeaf = "min_samples_leaf", classWeight = "class_weight", bootstrap, maxBins = "max_bins", seed
        }

        init(_ forest: ForestParameters) {
            treeCount = forest.treeCount
            maxFeatures = forest.maxFeatures.description
            maxDepth = forest.maxDepth
            minSamplesLeaf = forest.minSamplesLeaf
            classWeight = forest.classWeight.rawValue
            bootstrap = forest.bootstrap
            maxBins = forest.maxBins
            seed = forest.seed
        }
    }

    /// A tuning trial, `max_depth` null when unlimited.
    struct Trial: Encodable {
        @ExplicitNull var maxDepth: Int?
        var minSamplesLeaf: Int
        var maxFeatures: String
        var rocAUC: Double
        var averagePrecision: Double
        var scoredOn: String

        enum CodingKeys: String, CodingKey {
            case maxDepth = "max_depth", minSamplesLeaf = "min_samples_leaf", maxFeatures = "max_features"
            case rocAUC = "roc_auc", averagePrecision = "average_precision", scoredOn = "scored_on"
        }

        init(_ trial: TuningTrial) {
            maxDepth = trial.maxDepth
            minSamplesLeaf = trial.minSamplesLeaf
            maxFeatures = trial.maxFeatures.description
            rocAUC = trial.rocAUC
            averagePrecision = trial.averagePrecision
            scoredOn = trial.scoredOn
        }
    }

    struct ModelFileJSON: Encodable {
        let bytes: Int
        let sha256: String
    }
}
