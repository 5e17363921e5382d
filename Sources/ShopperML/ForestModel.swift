import Foundation

/// A fitted random forest with everything needed to score and to explain it: the trees, the
/// feature names in column order, the operating threshold, the hyper-parameters and the record of
/// how it was trained. This is what a model file holds (see `ModelFile`, `docs/forest.md`).
package struct ForestModel: Sendable {
    /// The features the model reads, in column order. Scoring checks them.
    package let featureNames: [String]
    /// The trees, in the order their probabilities are summed.
    package let trees: [DecisionTree]
    /// The hyper-parameters the trees were grown with (seed included).
    package let parameters: ForestParameters
    /// A row is predicted a buyer when its probability is ≥ this.
    package var threshold: Double
    /// Metrics, importances and lineage.
    package var metadata: ModelMetadata
    /// Maps the trees' mean score to a calibrated probability (see `ScoreCalibration`); nil for
    /// models trained before calibration existed (model file version 1), which keep raw scores.
    package var calibration: ScoreCalibration?

    private let compiled: CompiledForest

    /// A model from its parts. Trees must test only features in `0..<featureNames.count`.
    package init(
        featureNames: [String], trees: [DecisionTree], parameters: ForestParameters, threshold: Double = 0.5,
        metadata: ModelMetadata = ModelMetadata(), calibration: ScoreCalibration? = nil
    ) throws(ForestError) {
        guard !trees.isEmpty else { throw .invalidModelFile("a forest needs at least one tree") }
        guard Set(featureNames).count == featureNames.count else {
            throw .invalidModelFile("duplicate feature names")
        }
        for tree in trees {
            if let bad = tree.feature.first(where: { Int($0) >= featureNames.count }) {
                throw .invalidModelFile("a tree tests feature \(bad) but the model has \(featureNames.count)")
            }
        }
        self.featureNames = featureNames
        self.trees = trees
        self.parameters = parameters
        self.threshold = threshold
        self.metadata = metadata
        self.calibration = calibration
        compiled = CompiledForest(trees: trees, featureCount: featureNames.count)
    }

    /// Throws `featureMismatch` unless `names` are exactly the model's features in its order.
    package func checkFeatures(_ names: [String]) throws(ForestError) {
        guard names == featureNames else { throw .featureMismatch(expected: featureNames, found: names) }
    }

    /// The purchase probability of every row, on the calling task: the calibrated raw score.
    package func probabilities(for data: FeatureMatrix) throws(ForestError) -> [Double] {
        try checkFeatures(data.featureNames)
        return calibrated(score(data, range: 0..<data.rowCount))
    }

    /// The trees' mean probability of every row, before calibration: what out-of-bag predictions
    /// are, and what the calibration is fitted on.
    package func rawScores(for data: FeatureMatrix) throws(ForestError) -> [Double] {
        try checkFeatures(data.featureNames)
        return score(data, range: 0..<data.rowCount)
    }

    /// The probability of a raw score: the calibration's, or the score itself without one.
    package func calibrated(_ rawScore: Double) -> Double {
        calibration.map { $0(rawScore) } ?? rawScore
    }

    private func calibrated(_ rawScores: [Double]) -> [Double] {
        guard let calibration else { return rawScores }
        return rawScores.map { calibration($0) }
    }

    /// The purchase probability of every row, rows shared among `workers` concurrent tasks.
    /// The numbers are identical to `probabilities(for:)`'s: each row is summed in tree order.
    package func probabilities(
        for data: FeatureMatrix, workers: Int
    ) async throws(ForestError) -> [Double] {
        try checkFeatures(data.featureNames)
        let rows = data.rowCount
        // A few chunks per worker, so a core busy with something else delays only a small share.
        let pieces = max(1, workers) * 4
        let chunk = max(CompiledForest.blockSize * 4, (rows + pieces - 1) / pieces)
        if workers <= 1 || rows <= chunk { return calibrated(score(data, range: 0..<rows)) }
        let parts = await withTaskGroup(of: (Int, [Double]).self) { group in
            for start in stride(from: 0, to: rows, by: chunk) {
                let range = start..<min(rows, start + chunk)
                group.addTask { (start, score(data, range: range)) }
            }
            var parts: [(Int, [Double])] = []
            for await part in group { parts.append(part) }
            return parts
        }
        var out = [Double](repeating: 0, count: rows)
        for (start, values) in parts { out.replaceSubrange(start..<(start + values.count), with: values) }
        return calibrated(out)
    }

    /// The (calibrated) purchase probability of one row given in `featureNames` order (no name check: the
    /// caller built the row for this model). Same number as the batch paths give for that row.
    package func probability(row: [Double]) -> Double {
        precondition(row.count == featureNames.count, "a row needs \(featureNames.count) features, got \(row.count)")
        return calibrated(row.withUnsafeBufferPointer { compiled.score(row: $0) })
    }

    /// Whether each probability reaches the model's threshold.
    package func labels(for probabilities: [Double]) -> [Bool] {
        probabilities.map { $0 >= threshold }
    }

    private func score(_ data: FeatureMatrix, range: Range<Int>) -> [Double] {
        var out = [Double](repeating: 0, count: range.count)
        data.values.withUnsafeBufferPointer { values in
            out.withUnsafeMutableBufferPointer { output in
                compiled.score(values: values, rowCount: data.rowCount, range: range, output: output)
            }
        }
        return out
    }
}
