import Foundation

/// Turns a forest's raw score (the mean of its trees' leaf probabilities) into a probability that
/// means what it says: of the sessions given p, about p buy.
///
/// The raw score is not one: balanced class weights make every leaf count buyers about 5.5 times
/// (the bundled data's 84.5 : 15.5), and averaging trees pulls scores towards the middle, so on
/// scikit-learn's split the raw scores average 0.240 where 0.155 buy. The calibration is fitted on
/// out-of-bag scores of the model's own training rows (rows a tree did not see), by isotonic
/// regression: the non-decreasing map from score to buying rate that fits those rows best in
/// squared error (`PoolAdjacentViolators`). It makes no assumption about the shape of the
/// distortion; Platt's sigmoid does, and on this data it fits worse (docs/forest.md, Calibration).
///
/// Isotonic regression is a step function: every score of a block gets the block's rate, so scores
/// the forest ranked apart would tie and ROC AUC could change. The map is therefore the straight
/// lines between the blocks' centres (each block's weighted mean score, at its rate): strictly
/// increasing between the first and the last centre, so it keeps the forest's ranking and the
/// threshold rule flags the same rows; below the first centre and above the last it is flat.
package struct ScoreCalibration: Sendable, Codable, Hashable {
    /// `isotonic`: linear interpolation between isotonic blocks' centres.
    package var method: String
    /// The knots' raw scores, strictly increasing, finite.
    package var scores: [Double]
    /// The probability at each knot, non-decreasing, in [0, 1].
    package var probabilities: [Double]
    /// Which predictions it was fitted on (`outOfBag`), and how many rows.
    package var fittedOn: String
    package var rows: Int

    package static let isotonicMethod = "isotonic"

    package init(scores: [Double], probabilities: [Double], fittedOn: String, rows: Int) throws(ForestError) {
        method = Self.isotonicMethod
        self.scores = scores
        self.probabilities = probabilities
        self.fittedOn = fittedOn
        self.rows = rows
        try validate()
    }

    /// The calibrated probability of a raw score. NaN stays NaN.
    package func callAsFunction(_ score: Double) -> Double {
        guard !score.isNaN else { return score }
        // First knot whose score is > `score`.
        var low = 0
        var high = scores.count
        while low < high {
            let mid = (low + high) / 2
            if scores[mid] <= score { low = mid + 1 } else { high = mid }
        }
        if low == 0 { return probabilities[0] }
        if low == scores.count { return probabilities[scores.count - 1] }
        let (x0, x1, y0, y1) = (scores[low - 1], scores[low], probabilities[low - 1], probabilities[low])
        let t = (score - x0) / (x1 - x0)
        return min(y1, max(y0, y0 + t * (y1 - y0)))
    }

    /// Throws `invalidModelFile` unless the knots make a non-decreasing map into [0, 1].
    package func validate() throws(ForestError) {
        guard method == Self.isotonicMethod else {
            throw .invalidModelFile("calibration method is \"\(method)\", expected \"\(Self.isotonicMethod)\"")
        }
        guard !scores.isEmpty, scores.count == probabilities.count else {
            throw .invalidModelFile("calibration has \(scores.count) scores and \(probabilities.count) probabilities; needs the same number, at least 1")
        }
        guard scores.allSatisfy(\.isFinite), zip(scores, scores.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalidModelFile("calibration scores must be finite and strictly increasing")
        }
        guard probabilities.allSatisfy({ $0 >= 0 && $0 <= 1 }),
              zip(probabilities, probabilities.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw .invalidModelFile("calibration probabilities must be in [0, 1] and non-decreasing")
        }
    }

    /// The isotonic calibration of `scores` against `labels` (NaN scores left out); nil without
    /// a scored row. Equal scores are pooled first (their mean label, weighted by their count), as
    /// scikit-learn's `IsotonicRegression` does.
    package static func isotonic(scores: [Double], labels: [Bool], fittedOn: String) -> ScoreCalibration? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let order = scores.indices.filter { !scores[$0].isNaN }.sorted { scores[$0] < scores[$1] }
        guard !order.isEmpty else { return nil }
        var distinct: [Double] = []
        var rates: [Double] = []
        var counts: [Double] = []
        var i = 0
        while i < order.count {
            let score = scores[order[i]]
            var buyers = 0
            var count = 0
            while i < order.count && scores[order[i]] == score {
                if labels[order[i]] { buyers += 1 }
                count += 1
                i += 1
            }
            distinct.append(score)
            rates.append(Double(buyers) / Double(count))
            counts.append(Double(count))
        }
        var knots: [Double] = []
        var values: [Double] = []
        for block in PoolAdjacentViolators.blocks(values: rates, weights: counts) {
            var sum = 0.0
            for k in block.range { sum += distinct[k] * counts[k] }
            // The centre lies within the block's scores; clamped against rounding.
            let centre = min(distinct[block.range.upperBound - 1], max(distinct[block.range.lowerBound], sum / block.weight))
            knots.append(centre)
            values.append(min(1, max(0, block.value)))
        }
        // Valid by construction, so never nil here: each knot lies in its own block's range of
        // distinct finite scores (strictly increasing), and PAV values are non-decreasing, clamped to [0, 1].
        return try? ScoreCalibration(scores: knots, probabilities: values, fittedOn: fittedOn, rows: order.count)
    }
}
