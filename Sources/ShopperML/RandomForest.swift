import Foundation

/// Fits random forests: bootstrap samples, Gini splits over quantile-binned features, trees grown
/// in parallel by a task group.
///
/// The same parameters (seed included) give the same forest whatever `workers` is: tree `t` draws
/// only from its own generator (seed, t), and results are put back in tree order.
package struct RandomForest: Sendable {
    package let parameters: ForestParameters

    package init(parameters: ForestParameters = ForestParameters()) {
        self.parameters = parameters
    }

    /// A fitted forest and what training learnt on the side.
    package struct Fit: Sendable {
        /// The model (threshold 0.5 until one is chosen; metadata empty until filled).
        package var model: ForestModel
        /// Per training row, the mean probability of the trees that did not see it; NaN for a row
        /// every tree saw (or every row without bootstrap).
        package let outOfBagProbabilities: [Double]
        /// Mean decrease in impurity per feature (column order), normalised to sum to 1.
        package let impurityImportances: [Double]
    }

    /// Fits a forest on `data` and `labels` using `workers` concurrent tasks (default: all cores).
    /// Throws `cancelled` (between trees) when the calling task is cancelled.
    package func fit(
        _ data: FeatureMatrix, labels: [Bool], workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws(ForestError) -> Fit {
        try parameters.validate()
        guard data.rowCount == labels.count else {
            throw .invalidTrainingData("\(data.rowCount) rows but \(labels.count) labels")
        }
        guard data.rowCount >= 2, data.featureCount >= 1 else {
            throw .invalidTrainingData("need at least 2 rows and 1 feature (got \(data.rowCount) × \(data.featureCount))")
        }
        guard data.rowCount <= TreeBuilder.maxRows else {
            throw .invalidTrainingData(
                "\(data.rowCount) rows is more than one fit takes (\(TreeBuilder.maxRows)); train on a sample of the rows")
        }
        let positives = labels.lazy.filter { $0 }.count
        guard positives > 0, positives < labels.count else {
            throw .invalidTrainingData("all \(labels.count) rows have the same label; need buyers and non-buyers")
        }
        let weights = Self.classWeights(labels: labels, positives: positives, mode: parameters.classWeight)
        let bins = FeatureBins(data, maxBins: parameters.maxBins)
        let parameters = self.parameters
        let treeCount = parameters.treeCount
        let workerCount = max(1, min(workers, treeCount))

        let fits = await withTaskGroup(of: [(Int, TreeBuilder.Fit)].self) { group in
            for worker in 0..<workerCount {
                group.addTask {
                    var builder = TreeBuilder(bins: bins, labels: labels, parameters: parameters, classWeight: weights)
                    var out: [(Int, TreeBuilder.Fit)] = []
                    for t in stride(from: worker, to: treeCount, by: workerCount) {
                        if Task.isCancelled { break }
                        out.append((t, builder.fit(treeIndex: t, seed: parameters.seed)))
                        // Between trees, let the rest of the process run: the workers fill the
                        // cooperative pool (one per core), and without this a long training starved
                        // the watchdog and the health monitor until systemd killed a healthy daemon.
                        await Task.yield()
                    }
                    return out
                }
            }
            var ordered = [TreeBuilder.Fit?](repeating: nil, count: treeCount)
            for await batch in group {
                for (t, fit) in batch { ordered[t] = fit }
            }
            return ordered
        }
        // A cancelled fit stops between trees and keeps nothing.
        guard !Task.isCancelled, fits.allSatisfy({ $0 != nil }) else { throw .cancelled }
        let trees = fits.map { $0! }

        // Combine in tree order so sums are the same whatever the number of workers.
        var oobSum = [Double](repeating: 0, count: data.rowCount)
        var oobCount = [Int](repeating: 0, count: data.rowCount)
        var importance = [Double](repeating: 0, count: data.featureCount)
        for fit in trees {
            for (row, value) in zip(fit.outOfBagRows, fit.outOfBagValues) {
                oobSum[Int(row)] += value
                oobCount[Int(row)] += 1
            }
            // As scikit-learn: normalise each tree's decreases, average over trees, normalise again.
            let total = fit.impurityDecrease.reduce(0, +)
            if total > 0 {
                for f in 0..<importance.count { importance[f] += fit.impurityDecrease[f] / total }
            }
        }
        let importanceTotal = importance.reduce(0, +)
        if importanceTotal > 0 {
            importance = importance.map { $0 / importanceTotal }
        }
        let oob = zip(oobSum, oobCount).map { $1 > 0 ? $0 / Double($1) : .nan }
        let model = try ForestModel(featureNames: data.featureNames, trees: trees.map(\.tree), parameters: parameters)
        return Fit(model: model, outOfBagProbabilities: oob, impurityImportances: importance)
    }

    /// Per-class row weights: 1 and 1, or n / (2 · n_class) for `balanced`.
    static func classWeights(labels: [Bool], positives: Int, mode: ClassWeight) -> (negative: Double, positive: Double) {
        switch mode {
        case .none:
            return (1, 1)
        case .balanced:
            let n = Double(labels.count)
            return (n / (2 * Double(labels.count - positives)), n / (2 * Double(positives)))
        }
    }
}
