/// Permutation importance on held-out rows: how much ROC AUC drops when one feature's column is
/// shuffled, breaking its link to the label while keeping its distribution.
///
/// Unlike impurity importance it is measured on rows the model never saw, so it does not favour
/// features with many distinct values that the trees merely over-fit.
package enum PermutationImportance {
    /// Per feature (column order): the mean and standard deviation of the AUC drop over `repeats`
    /// shuffles. Shuffle `r` of feature `f` uses stream `f · repeats + r` of `seed`.
    package static func aucDrops(
        model: ForestModel, data: FeatureMatrix, labels: [Bool], repeats: Int = 5, seed: UInt64 = 42
    ) async throws(ForestError) -> [(mean: Double, std: Double)] {
        try model.checkFeatures(data.featureNames)
        guard repeats >= 1 else { throw .invalidParameters("permutation repeats must be at least 1") }
        guard data.rowCount == labels.count,
            let baseline = Metrics.rocAUC(scores: try model.probabilities(for: data), labels: labels)
        else {
            throw .invalidTrainingData("permutation importance needs labelled rows of both classes")
        }
        let featureCount = data.featureCount
        let drops = await withTaskGroup(of: (Int, [Double]).self) { group in
            for f in 0..<featureCount {
                group.addTask {
                    var out: [Double] = []
                    let original = Array(data.column(f))
                    for r in 0..<repeats {
                        var rng = Xoshiro256(seed: seed, stream: UInt64(f * repeats + r))
                        var shuffled = original
                        rng.shuffle(&shuffled)
                        let permuted = data.replacingColumn(f, with: shuffled)
                        // Names match by construction: no error possible.
                        let scores = (try? model.probabilities(for: permuted)) ?? []
                        out.append(baseline - (Metrics.rocAUC(scores: scores, labels: labels) ?? baseline))
                        await Task.yield()  // as between trees (RandomForest): the pool is not ours alone
                    }
                    return (f, out)
                }
            }
            var all = [[Double]](repeating: [], count: featureCount)
            for await (f, values) in group { all[f] = values }
            return all
        }
        return drops.map { values in
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return (mean, variance.squareRoot())
        }
    }
}
