import Foundation

/// `SequentialAUCTest.look` kept up to date one outcome at a time, for simulations that look
/// after every outcome of thousands of streams: appending an outcome costs O(outcomes of the
/// other class) instead of a fresh O(N log N) DeLong test, and the look agrees with
/// `SequentialAUCTest.look` on the same outcomes (`SequentialAUCTestTests` checks every prefix).
///
/// DeLong's variance of `challenger − champion` only needs each outcome's **difference** of
/// structural components: for buyer i, `e_i = Σ_j 2ψ(B) − 2ψ(A)` over the non-buyers j, for
/// non-buyer j, `f_j = Σ_i 2ψ(B) − 2ψ(A)` over the buyers i (ψ = 1 when the buyer is scored
/// above, ½ on a tie; doubled so every count is an exact integer), their sums of squares and
/// their total D. With m buyers and n non-buyers,
///
///     difference = D / (2mn)
///     variance   = (Σe² − D²/m) / (4n²(m − 1)) / m + (Σf² − D²/n) / (4m²(n − 1)) / n
///
/// (a class of one contributes no variance term, as in `DeLongTest`). A new non-buyer changes
/// every buyer's e_i by its δ_i, so Σe² moves by Σ(2 e_i δ_i + δ_i²), and adds its own f²;
/// a new buyer the same way round.
package struct PairedAUCAccumulator: Sendable {
    private var buyerChampion: [Double] = []
    private var buyerChallenger: [Double] = []
    private var buyerE: [Int] = []
    private var nonBuyerChampion: [Double] = []
    private var nonBuyerChallenger: [Double] = []
    private var nonBuyerF: [Int] = []
    private var sumE2 = 0
    private var sumF2 = 0
    /// Σ 2ψ over every buyer–non-buyer pair, for each model.
    private var championPairs = 0
    private var challengerPairs = 0
    private var logLoss = (champion: 0.0, challenger: 0.0)
    private var brier = (champion: 0.0, challenger: 0.0)

    package init() {}

    package var outcomes: Int { positives + negatives }
    package var positives: Int { buyerE.count }
    package var negatives: Int { nonBuyerF.count }

    /// Adds one outcome: its label and both models' probabilities.
    package mutating func append(label: Bool, champion a: Double, challenger b: Double) {
        logLoss.champion += SequentialAUCTest.logLoss(a, label)
        logLoss.challenger += SequentialAUCTest.logLoss(b, label)
        brier.champion += SequentialAUCTest.brier(a, label)
        brier.challenger += SequentialAUCTest.brier(b, label)
        if label {
            let (own, pairsA, pairsB) = Self.pair(a, b, against: nonBuyerChampion, nonBuyerChallenger, updating: &nonBuyerF, sum: &sumF2, sign: 1)
            buyerChampion.append(a)
            buyerChallenger.append(b)
            buyerE.append(own)
            sumE2 += own * own
            championPairs += pairsA
            challengerPairs += pairsB
        } else {
            let (own, pairsA, pairsB) = Self.pair(a, b, against: buyerChampion, buyerChallenger, updating: &buyerE, sum: &sumE2, sign: -1)
            nonBuyerChampion.append(a)
            nonBuyerChallenger.append(b)
            nonBuyerF.append(own)
            sumF2 += own * own
            championPairs += pairsA
            challengerPairs += pairsB
        }
    }

    /// Pairs a new outcome with every outcome of the other class: updates their components and
    /// the sum of their squares, and returns the new outcome's component and the pairs' 2ψ totals.
    /// `sign` is +1 for a new buyer (it is the higher score of each pair), −1 for a new non-buyer.
    private static func pair(
        _ a: Double, _ b: Double, against otherA: [Double], _ otherB: [Double], updating components: inout [Int], sum: inout Int, sign: Int
    ) -> (own: Int, pairsA: Int, pairsB: Int) {
        var own = 0, pairsA = 0, pairsB = 0, moved = 0
        components.withUnsafeMutableBufferPointer { c in
            otherA.withUnsafeBufferPointer { xa in
                otherB.withUnsafeBufferPointer { xb in
                    for k in 0..<c.count {
                        // 2ψ for the pair, with the buyer's score first.
                        let da = a == xa[k] ? 1 : ((a > xa[k]) == (sign > 0) ? 2 : 0)
                        let db = b == xb[k] ? 1 : ((b > xb[k]) == (sign > 0) ? 2 : 0)
                        let d = db - da
                        let old = c[k]
                        moved += 2 * old * d + d * d
                        c[k] = old + d
                        own += d
                        pairsA += da
                        pairsB += db
                    }
                }
            }
        }
        sum += moved
        return (own, pairsA, pairsB)
    }

    /// AUC of the champion (nil without a buyer and a non-buyer).
    package var championAUC: Double? { positives > 0 && negatives > 0 ? Double(championPairs) / Double(2 * positives * negatives) : nil }
    package var challengerAUC: Double? { positives > 0 && negatives > 0 ? Double(challengerPairs) / Double(2 * positives * negatives) : nil }
    /// `challengerAUC − championAUC`.
    package var difference: Double? {
        positives > 0 && negatives > 0 ? Double(challengerPairs - championPairs) / Double(2 * positives * negatives) : nil
    }

    /// DeLong's standard error of `difference`.
    package var standardError: Double? {
        guard positives > 0, negatives > 0 else { return nil }
        let m = Double(positives), n = Double(negatives), total = Double(challengerPairs - championPairs)
        let s10 = positives > 1 ? max(0, Double(sumE2) - total * total / m) / (4 * n * n * (m - 1)) : 0
        let s01 = negatives > 1 ? max(0, Double(sumF2) - total * total / n) / (4 * m * m * (n - 1)) : 0
        return (s10 / m + s01 / n).squareRoot()
    }

    /// The look at every outcome so far, as `SequentialAUCTest.look` would give it.
    package func look(settings: SequentialSettings) -> SequentialLook {
        let judged = difference.flatMap { d in
            standardError.map {
                SequentialAUCTest.judge(positives: positives, negatives: negatives, difference: d, standardError: $0, settings: settings)
            }
        }
        let mean = { (sum: Double) -> Double? in outcomes > 0 ? sum / Double(outcomes) : nil }
        return SequentialLook(
            outcomes: outcomes, positives: positives, championAUC: championAUC, challengerAUC: challengerAUC,
            difference: difference, standardError: standardError, lower: judged?.lower, upper: judged?.upper,
            alpha: settings.alpha, mixingSD: settings.mixingSD, margin: settings.margin, verdict: judged?.verdict ?? .tooFewOutcomes,
            championLogLoss: mean(logLoss.champion), challengerLogLoss: mean(logLoss.challenger),
            championBrier: mean(brier.champion), challengerBrier: mean(brier.challenger))
    }
}
