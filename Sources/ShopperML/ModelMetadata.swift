import Foundation

/// Where a model came from: what the registry records as its lineage.
package struct Provenance: Sendable, Codable, Hashable {
    /// The store version (gold data version) the training rows were read from; nil for files.
    package var storeVersion: Int?
    /// The shopperd version that trained the model.
    package var codeVersion: String
    /// When training finished.
    package var trainedAt: Date?
    /// Labelled rows the final model was fitted on, and how many were buyers.
    package var trainingRows: Int
    package var positiveRows: Int

    package init(storeVersion: Int? = nil, codeVersion: String = "unknown", trainedAt: Date? = nil, trainingRows: Int = 0, positiveRows: Int = 0) {
        self.storeVersion = storeVersion
        self.codeVersion = codeVersion
        self.trainedAt = trainedAt
        self.trainingRows = trainingRows
        self.positiveRows = positiveRows
    }
}

/// How much one feature matters to a model.
package struct FeatureImportance: Sendable, Codable, Hashable {
    package var feature: String
    /// Mean decrease in (weighted Gini) impurity over all trees, normalised so features sum to 1.
    package var meanDecreaseImpurity: Double
    /// Mean drop in ROC AUC on held-out rows when this feature's column is shuffled; nil when no
    /// held-out rows were available.
    package var permutationAUCDrop: Double?
    /// Standard deviation of that drop over the repeats.
    package var permutationAUCDropStd: Double?

    package init(feature: String, meanDecreaseImpurity: Double, permutationAUCDrop: Double? = nil, permutationAUCDropStd: Double? = nil) {
        self.feature = feature
        self.meanDecreaseImpurity = meanDecreaseImpurity
        self.permutationAUCDrop = permutationAUCDrop
        self.permutationAUCDropStd = permutationAUCDropStd
    }
}

/// One candidate of hyper-parameter tuning and how it scored on validation or out-of-bag rows.
package struct TuningTrial: Sendable, Codable, Hashable {
    package var maxDepth: Int?
    package var minSamplesLeaf: Int
    package var maxFeatures: MaxFeatures
    /// ROC AUC on the rows the choice was made on.
    package var rocAUC: Double
    package var averagePrecision: Double
    /// `outOfBag` or `validation`.
    package var scoredOn: String

    package init(maxDepth: Int?, minSamplesLeaf: Int, maxFeatures: MaxFeatures, rocAUC: Double, averagePrecision: Double, scoredOn: String) {
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.maxFeatures = maxFeatures
        self.rocAUC = rocAUC
        self.averagePrecision = averagePrecision
        self.scoredOn = scoredOn
    }
}

/// Everything a model file and the registry keep about a model besides its trees.
package struct ModelMetadata: Sendable, Codable, Hashable {
    package var provenance: Provenance
    /// How the threshold was chosen and the precision it costs.
    package var thresholdChoice: ThresholdChoice?
    /// Metrics on held-out rows (a stratified holdout or a test file), when there were any.
    package var holdout: ClassificationReport?
    /// Metrics of the out-of-bag predictions of the rows the model was fitted on.
    package var outOfBag: ClassificationReport?
    /// Importances, most important first.
    package var importances: [FeatureImportance]
    /// The tuning candidates tried, best first.
    package var tuning: [TuningTrial]

    package init(
        provenance: Provenance = Provenance(), thresholdChoice: ThresholdChoice? = nil,
        holdout: ClassificationReport? = nil, outOfBag: ClassificationReport? = nil,
        importances: [FeatureImportance] = [], tuning: [TuningTrial] = []
    ) {
        self.provenance = provenance
        self.thresholdChoice = thresholdChoice
        self.holdout = holdout
        self.outOfBag = outOfBag
        self.importances = importances
        self.tuning = tuning
    }
}
