import Foundation

/// The hyper-parameter candidates tuning tries: every combination of the lists.
package struct TuningGrid: Sendable, Codable, Hashable {
    package var maxDepth: [Int?]
    package var minSamplesLeaf: [Int]
    package var maxFeatures: [MaxFeatures]

    package init(maxDepth: [Int?], minSamplesLeaf: [Int], maxFeatures: [MaxFeatures]) {
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.maxFeatures = maxFeatures
    }

    /// The default grid: unlimited depth (leaf size limits growth), leaf sizes from 1 to 80,
    /// √p and half the features.
    package static let standard = TuningGrid(
        maxDepth: [nil], minSamplesLeaf: [1, 3, 5, 10, 20, 40, 80], maxFeatures: [.sqrt, .fraction(0.5)])

    /// The combinations, depth slowest, max_features fastest.
    package var candidates: [(maxDepth: Int?, minSamplesLeaf: Int, maxFeatures: MaxFeatures)] {
        maxDepth.flatMap { depth in
            minSamplesLeaf.flatMap { leaf in maxFeatures.map { (depth, leaf, $0) } }
        }
    }
}

/// What `shopperd train` (and the daemon's retraining) asks of training.
package struct TrainingConfiguration: Sendable, Codable, Hashable {
    package var treeCount: Int
    package var seed: UInt64
    package var classWeight: ClassWeight
    /// The recall the operating threshold must reach on out-of-bag predictions.
    package var targetRecall: Double
    /// The confidence with which it must reach it (see `ThresholdChoice`); 0.5 is the plain
    /// point-estimate rule.
    package var recallConfidence: Double
    package var grid: TuningGrid
    /// Share of the rows held out (stratified, seeded) to measure the whole procedure on rows it
    /// never saw; the final model is still refitted on every row. 0 disables the holdout (the
    /// caller then measures on its own test rows).
    package var holdoutFraction: Double
    /// Shuffles per feature for permutation importance on the holdout.
    package var permutationRepeats: Int
    package var maxBins: Int

    package init(
        treeCount: Int = 100, seed: UInt64 = 42, classWeight: ClassWeight = .balanced, targetRecall: Double = 0.8,
        recallConfidence: Double = 0.95,
        grid: TuningGrid = .standard, holdoutFraction: Double = 0.2, permutationRepeats: Int = 5, maxBins: Int = 255
    ) {
        self.treeCount = treeCount
        self.seed = seed
        self.classWeight = classWeight
        self.targetRecall = targetRecall
        self.recallConfidence = recallConfidence
        self.grid = grid
        self.holdoutFraction = holdoutFraction
        self.permutationRepeats = permutationRepeats
        self.maxBins = maxBins
    }

    /// The forest parameters of one grid candidate.
    func parameters(maxDepth: Int?, minSamplesLeaf: Int, maxFeatures: MaxFeatures) -> ForestParameters {
        ForestParameters(
            treeCount: treeCount, maxFeatures: maxFeatures, maxDepth: maxDepth, minSamplesLeaf: minSamplesLeaf,
            classWeight: classWeight, bootstrap: true, maxBins: maxBins, seed: seed)
    }
}

/// The training workflow: tune on out-of-bag predictions, calibrate on out-of-bag predictions and
/// choose the threshold on the calibrated ones, measure on a held-out part, and fit the final model on every labelled row given.
///
/// No test row ever influences a choice: tuning and the threshold only see out-of-bag
/// predictions of the rows being fitted; the optional holdout is scored once, after every choice
/// has been made on the other rows.
package struct Trainer: Sendable {
    package let configuration: TrainingConfiguration
    /// Concurrent tasks per fit (default: all cores). Does not change the model.
    package let workers: Int

    package init(configuration: TrainingConfiguration = TrainingConfiguration(), workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.configuration = configuration
        self.workers = workers
    }

    /// Trains on `data`/`labels` and returns the final model, its threshold and its metadata
    /// (tuning trials, out-of-bag and holdout metrics, importances, provenance). Cancelling the
    /// calling task stops training between trees with `ForestError.cancelled`.
    package func train(_ data: FeatureMatrix, labels: [Bool], provenance: Provenance = Provenance()) async throws(ForestError) -> ForestModel {
        try await trainReportingHoldout(data, labels: labels, provenance: provenance).model
    }

    /// The holdout's rows (indices into the training data), the tuned procedure's calibrated
    /// probabilities on them (fitted without them) and its threshold: what a paired comparison
    /// with another model on the same rows needs (`shopperd train --promote` against a champion).
    package struct HoldoutScores: Sendable {
        package var rows: [Int]
        package var scores: [Double]
        package var labels: [Bool]
        package var threshold: Double
    }

    /// `train`, and the holdout's scores (nil when `holdoutFraction` is 0).
    package func trainReportingHoldout(
        _ data: FeatureMatrix, labels: [Bool], provenance: Provenance = Provenance()
    ) async throws(ForestError) -> (model: ForestModel, holdout: HoldoutScores?) {
        let config = configuration
        guard config.targetRecall > 0, config.targetRecall <= 1 else {
            throw .invalidParameters("target recall must be in (0, 1] (got \(config.targetRecall))")
        }
        guard config.recallConfidence >= 0.5, config.recallConfidence < 1 else {
            throw .invalidParameters("recall confidence must be in [0.5, 1) (got \(config.recallConfidence))")
        }
        guard !config.grid.candidates.isEmpty else { throw .invalidParameters("the tuning grid is empty") }
        guard data.rowCount == labels.count else { throw .invalidTrainingData("\(data.rowCount) rows but \(labels.count) labels") }

        try Self.requireBothClasses(labels, of: "the \(labels.count) labelled rows given")

        var holdout: (rows: [Int], data: FeatureMatrix, labels: [Bool])? = nil
        var tuningData = data
        var tuningLabels = labels
        if config.holdoutFraction > 0 {
            // Held out by content: a repeated row is never on both sides (see `ContentSplit`).
            let split = try ContentSplit(
                keys: data.rowIndices.map { RowContent(data.row($0), label: labels[$0]) }, labels: labels,
                testFraction: config.holdoutFraction, seed: config.seed)
            guard !split.test.isEmpty else { throw .invalidTrainingData("too few rows for a \(config.holdoutFraction) holdout") }
            holdout = (split.test, data.rows(split.test), split.test.map { labels[$0] })
            tuningData = data.rows(split.train)
            tuningLabels = split.train.map { labels[$0] }
            try Self.requireBothClasses(
                tuningLabels, of: "the \(split.train.count) rows left to tune on after holding out \(split.test.count) of the \(labels.count) labelled rows")
        }

        // Tune: every candidate fitted on the tuning rows, judged by its out-of-bag ROC AUC.
        var trials: [TuningTrial] = []
        var best: (trial: TuningTrial, fit: RandomForest.Fit)? = nil
        for candidate in config.grid.candidates {
            if Task.isCancelled { throw .cancelled }
            let parameters = config.parameters(
                maxDepth: candidate.maxDepth, minSamplesLeaf: candidate.minSamplesLeaf, maxFeatures: candidate.maxFeatures)
            let fit = try await RandomForest(parameters: parameters).fit(tuningData, labels: tuningLabels, workers: workers)
            let (scores, scoredLabels) = Self.outOfBag(fit.outOfBagProbabilities, labels: tuningLabels)
            guard let auc = Metrics.rocAUC(scores: scores, labels: scoredLabels),
                let ap = Metrics.averagePrecision(scores: scores, labels: scoredLabels)
            else {
                throw .invalidTrainingData("too few rows of one class for out-of-bag validation; add labelled rows")
            }
            let trial = TuningTrial(
                maxDepth: candidate.maxDepth, minSamplesLeaf: candidate.minSamplesLeaf, maxFeatures: candidate.maxFeatures,
                rocAUC: auc, averagePrecision: ap, scoredOn: "outOfBag")
            trials.append(trial)
            if best == nil || auc > best!.trial.rocAUC { best = (trial, fit) }
        }
        let chosen = best!
        let parameters = chosen.fit.model.parameters

        // Measure the procedure on the holdout, with the threshold the procedure chose (out-of-bag).
        var holdoutReport: ClassificationReport? = nil
        var holdoutScores: HoldoutScores? = nil
        var permutation: [(mean: Double, std: Double)]? = nil
        if let holdout {
            // The procedure's calibration too: fitted on the tuning rows' out-of-bag scores only.
            let tuned = try Self.calibrated(chosen.fit, labels: tuningLabels, configuration: config)
            var measured = chosen.fit.model
            measured.calibration = tuned.calibration
            let scores = try await measured.probabilities(for: holdout.data, workers: workers)
            holdoutReport = ClassificationReport(
                dataset: "holdout", scores: scores, labels: holdout.labels, threshold: tuned.choice.threshold)
            holdoutScores = HoldoutScores(rows: holdout.rows, scores: scores, labels: holdout.labels, threshold: tuned.choice.threshold)
            if config.permutationRepeats > 0, holdout.labels.contains(true), holdout.labels.contains(false) {
                permutation = try await PermutationImportance.aucDrops(
                    model: measured, data: holdout.data, labels: holdout.labels,
                    repeats: config.permutationRepeats, seed: config.seed)
            }
        }

        // The final model: every labelled row.
        let final = holdout == nil ? chosen.fit : try await RandomForest(parameters: parameters).fit(data, labels: labels, workers: workers)
        let calibrated = try Self.calibrated(final, labels: labels, configuration: config)
        let choice = calibrated.choice

        var importances = data.featureNames.indices.map { f in
            FeatureImportance(
                feature: data.featureNames[f], meanDecreaseImpurity: final.impurityImportances[f],
                permutationAUCDrop: permutation?[f].mean, permutationAUCDropStd: permutation?[f].std)
        }
        importances.sort { $0.meanDecreaseImpurity > $1.meanDecreaseImpurity }

        var model = final.model
        model.calibration = calibrated.calibration
        model.threshold = choice.threshold
        var stamped = provenance
        stamped.trainingRows = labels.count
        stamped.positiveRows = labels.lazy.filter { $0 }.count
        model.metadata = ModelMetadata(
            provenance: stamped, thresholdChoice: choice, holdout: holdoutReport,
            outOfBag: ClassificationReport(
                dataset: "outOfBag", scores: calibrated.scores, labels: calibrated.labels, threshold: choice.threshold),
            importances: importances,
            tuning: trials.sorted { $0.rocAUC > $1.rocAUC })
        return (model, holdoutScores)
    }

    /// Fails, naming which rows were used, when `labels` hold one class only.
    static func requireBothClasses(_ labels: [Bool], of rows: String) throws(ForestError) {
        let positives = labels.lazy.filter { $0 }.count
        guard positives == 0 || positives == labels.count else { return }
        let which = positives == 0 ? "non-buyers (Revenue FALSE)" : "buyers (Revenue TRUE)"
        throw .invalidTrainingData("\(rows) are all \(which); a model needs buyers and non-buyers, add labelled rows of the other class")
    }

    /// A fit's calibration, fitted on its out-of-bag scores, those scores calibrated, and the
    /// threshold reaching the target recall on them: the recall-first rule on the calibrated scale.
    /// The calibrated scores are in-sample for the calibration (it saw these labels), so the
    /// out-of-bag ECE flatters it; the holdout's does not. The calibration is monotone, so the
    /// rule flags the rows it would flag on raw scores.
    static func calibrated(
        _ fit: RandomForest.Fit, labels: [Bool], configuration: TrainingConfiguration
    ) throws(ForestError) -> (calibration: ScoreCalibration, scores: [Double], labels: [Bool], choice: ThresholdChoice) {
        let (raw, scoredLabels) = outOfBag(fit.outOfBagProbabilities, labels: labels)
        guard let calibration = ScoreCalibration.isotonic(scores: raw, labels: scoredLabels, fittedOn: "outOfBag") else {
            throw .invalidTrainingData("no row has an out-of-bag prediction; add labelled rows or trees")
        }
        let scores = raw.map { calibration($0) }
        guard let choice = ThresholdChoice.forRecall(
            configuration.targetRecall, confidence: configuration.recallConfidence, scores: scores, labels: scoredLabels,
            chosenOn: "outOfBag")
        else {
            throw .invalidTrainingData("no buyer has an out-of-bag prediction; add labelled rows or trees")
        }
        return (calibration, scores, scoredLabels, choice)
    }

    /// The rows that have an out-of-bag prediction, with their labels.
    static func outOfBag(_ probabilities: [Double], labels: [Bool]) -> (scores: [Double], labels: [Bool]) {
        var scores: [Double] = []
        var kept: [Bool] = []
        for (p, y) in zip(probabilities, labels) where !p.isNaN {
            scores.append(p)
            kept.append(y)
        }
        return (scores, kept)
    }
}
