import Foundation

/// The sequential comparison of a challenger with the champion during a rollout: labelled outcomes
/// arrive one by one, each scored by both models, and after every outcome (or batch) the rollout
/// asks whether to promote (`better`), end (`worse`) or continue (`undecided`). The test stays
/// valid however often it is looked at: its error bounds hold for the **first** look that says
/// `better` or `worse`, whenever that is, not for one pre-planned sample size.
///
/// **The estimate.** θ = AUC(challenger) − AUC(champion), estimated by DeLong's paired θ̂ with
/// its plug-in standard error s (`DeLongTest`, recomputed on every outcome so far: the test is
/// stateless, a look is a pure function of the outcomes).
///
/// **The boundary: a normal-mixture martingale** (the mixture SPRT; Robbins 1970, Johari et al.
/// 2017 "Always valid inference", Howard et al. 2021 "Time-uniform, nonparametric, nonasymptotic
/// confidence sequences", the normal-mixture boundary). If θ̂ ~ N(θ, s²), the likelihood ratio
/// of "the difference is θ₁" against "it is θ₀", averaged over θ₁ ~ N(θ₀, τ²), is
///
///     Λ(θ₀) = √(s² / (s² + τ²)) · exp(τ² (θ̂ − θ₀)² / (2 s² (s² + τ²)))
///
/// and, in the information time 1/s², it is a nonnegative martingale with mean 1 under θ = θ₀.
/// Ville's inequality gives P(Λ ever ≥ 1/α) ≤ α. The θ₀ with Λ(θ₀) < 1/α form the
/// confidence sequence θ̂ ± r with
///
///     r = s · √((1 + s²/τ²) · (2 log(1/α) + log(1 + τ²/s²)))
///
/// which covers θ at **every** look at once with probability ≥ 1 − α. τ (`mixingSD`) sets where
/// the boundary is tightest: r is smallest (≈ 1.06 τ at α = 0.05) when s ≈ τ / 2.9.
///
/// **The plug-in variance.** Λ assumes s known. θ̂ is asymptotically linear (the Hoeffding
/// projection of DeLong's two-sample U-statistic: a sum of independent buyer and non-buyer
/// terms), so Waudby-Smith et al.'s asymptotic confidence sequences ("Time-uniform central limit
/// theory and asymptotic confidence sequences", 2024) justify the consistent plug-in DeLong s:
/// coverage is ≥ 1 − α asymptotically. Early looks are where this is weakest, hence
/// `minimumPerClass` (no verdict before that many buyers and non-buyers); the simulations
/// (`SequentialAUCTestTests`, `shopperd-bench rollout`) measure the real error rates.
///
/// **The verdicts and their errors** (m = `margin` ≥ 0):
///
/// * `better` when `θ̂ − r > m`. If the challenger is not better by more than m (θ ≤ m), this
///   means the sequence has missed θ at some look: P(ever `better`) ≤ α.
/// * `worse` when `θ̂ + r < −m`. If it is not worse by more than m (θ ≥ −m), likewise
///   P(ever `worse`) ≤ α.
///
/// One threshold, 1/α, for both sides: the two-sided sequence at level α. Each one-sided error is
/// then ≤ α by itself (on the upper side the symmetric mixture is below the half-normal mixture
/// over θ₁ > θ₀, itself a mean-1 martingale), and both together are ≤ α; in practice each side
/// takes about α/2. A threshold of 1/(2α) (two one-sided tests "at α" each) would bring each side
/// near α, but Ville's inequality would then only bound it by 2α, for a radius only 6–10 % shorter
/// at the usual s: not worth the guarantee. The price is some power, measured in ROLLOUT-SIM.md.
///
/// When s = 0 (the two models rank every outcome alike) there is no sequence: `undecided`,
/// never `better`, whatever the AUCs.
///
/// **Reported, not judged:** each model's mean log-loss and Brier score per outcome
/// (probabilities clamped to [1e-15, 1 − 1e-15]).
package enum SequentialAUCTest {
    /// Probabilities are clamped to [`clamp`, 1 − `clamp`] for the log-loss.
    package static let clamp = 1e-15

    /// One look at every outcome so far: `labels[i]` (a buyer?), and the champion's and the
    /// challenger's probability of that outcome. The arrays have the same length (a precondition,
    /// as for `DeLongTest`); the settings must pass `SequentialSettings.validate()`.
    package static func look(labels: [Bool], champion: [Double], challenger: [Double], settings: SequentialSettings) -> SequentialLook {
        precondition(labels.count == champion.count && labels.count == challenger.count, "labels and scores differ in length")
        let outcomes = labels.count
        let positives = labels.lazy.filter { $0 }.count
        let delong = DeLongTest(labels: labels, scoresA: champion, scoresB: challenger)
        let judged = delong.map {
            judge(positives: positives, negatives: outcomes - positives, difference: $0.difference, standardError: $0.standardError, settings: settings)
        }
        var scores = (championLogLoss: 0.0, challengerLogLoss: 0.0, championBrier: 0.0, challengerBrier: 0.0)
        for (i, y) in labels.enumerated() {
            scores.championLogLoss += logLoss(champion[i], y)
            scores.challengerLogLoss += logLoss(challenger[i], y)
            scores.championBrier += brier(champion[i], y)
            scores.challengerBrier += brier(challenger[i], y)
        }
        let mean = { (sum: Double) -> Double? in outcomes > 0 ? sum / Double(outcomes) : nil }
        return SequentialLook(
            outcomes: outcomes, positives: positives, championAUC: delong?.aucA, challengerAUC: delong?.aucB,
            difference: delong?.difference, standardError: delong?.standardError, lower: judged?.lower, upper: judged?.upper,
            alpha: settings.alpha, mixingSD: settings.mixingSD, margin: settings.margin,
            verdict: judged?.verdict ?? .tooFewOutcomes,
            championLogLoss: mean(scores.championLogLoss), challengerLogLoss: mean(scores.challengerLogLoss),
            championBrier: mean(scores.championBrier), challengerBrier: mean(scores.challengerBrier))
    }

    /// The bounds and the verdict from the estimate: `tooFewOutcomes` (no bounds) below the
    /// minimum per class, `undecided` (no bounds) when s is 0 or not finite, else θ̂ ± r judged
    /// against ±margin. Shared by `look` and `PairedAUCAccumulator`.
    package static func judge(
        positives: Int, negatives: Int, difference: Double, standardError: Double, settings: SequentialSettings
    ) -> (lower: Double?, upper: Double?, verdict: SequentialLook.Verdict) {
        guard positives >= settings.minimumPerClass, negatives >= settings.minimumPerClass else { return (nil, nil, .tooFewOutcomes) }
        guard standardError > 0, standardError.isFinite, difference.isFinite else { return (nil, nil, .undecided) }
        let r = radius(standardError: standardError, alpha: settings.alpha, mixingSD: settings.mixingSD)
        let lower = difference - r, upper = difference + r
        if lower > settings.margin { return (lower, upper, .better) }
        if upper < -settings.margin { return (lower, upper, .worse) }
        return (lower, upper, .undecided)
    }

    /// The confidence sequence's radius `r = s √((1 + s²/τ²)(2 log(1/α) + log(1 + τ²/s²)))`, for s > 0.
    package static func radius(standardError s: Double, alpha: Double, mixingSD tau: Double) -> Double {
        let ratio = s * s / (tau * tau)
        return s * ((1 + ratio) * (2 * log(1 / alpha) + log1p(1 / ratio))).squareRoot()
    }

    /// The mixture likelihood ratio Λ(θ₀) for the estimate `difference` with standard error s > 0:
    /// `√(s²/(s²+τ²)) · exp(τ² (θ̂ − θ₀)² / (2 s² (s² + τ²)))`; θ₀ is outside the sequence exactly
    /// when Λ(θ₀) ≥ 1/α.
    package static func likelihoodRatio(difference: Double, null theta0: Double = 0, standardError s: Double, mixingSD tau: Double) -> Double {
        let s2 = s * s, t2 = tau * tau, d = difference - theta0
        return (s2 / (s2 + t2)).squareRoot() * exp(t2 * d * d / (2 * s2 * (s2 + t2)))
    }

    /// The log-loss of probability `p` for outcome `y`, p clamped to [1e-15, 1 − 1e-15].
    package static func logLoss(_ p: Double, _ y: Bool) -> Double {
        let q = min(max(p, clamp), 1 - clamp)
        return y ? -log(q) : -log1p(-q)
    }

    /// The Brier score `(p − y)²` of probability `p` for outcome `y`.
    package static func brier(_ p: Double, _ y: Bool) -> Double {
        let e = p - (y ? 1 : 0)
        return e * e
    }
}
