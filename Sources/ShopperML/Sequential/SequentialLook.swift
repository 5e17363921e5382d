import Foundation
import ShopperCore

/// One look of the sequential comparison (`SequentialAUCTest.look`): every outcome so far, the
/// DeLong estimate of `challenger − champion` ROC AUC, the always-valid confidence sequence's
/// bounds at this look, and the verdict. Log-loss and Brier score are reported, never judged.
///
/// Undefined figures are nil (written as `null`): the AUCs, difference and standard error need a
/// buyer and a non-buyer; `lower`/`upper` need `minimumPerClass` of each and a positive standard
/// error; the proper scores need one outcome.
package struct SequentialLook: Sendable, Hashable, Codable {
    /// The verdict of this look.
    package enum Verdict: String, Codable, Sendable {
        /// Fewer than `minimumPerClass` buyers or non-buyers so far: no verdict yet.
        case tooFewOutcomes = "too-few-outcomes"
        /// The confidence sequence still holds `+margin` or `−margin` (or the models rank every
        /// outcome alike): keep collecting.
        case undecided
        /// The whole sequence is above `+margin`: promote the challenger.
        case better
        /// The whole sequence is below `−margin`: end the rollout, the champion stays.
        case worse
    }

    package var outcomes: Int
    /// Buyers among the outcomes.
    package var positives: Int
    @ExplicitNull package var championAUC: Double?
    @ExplicitNull package var challengerAUC: Double?
    /// `challengerAUC − championAUC`.
    @ExplicitNull package var difference: Double?
    /// DeLong's standard error of `difference`.
    @ExplicitNull package var standardError: Double?
    /// `difference − radius`: the confidence sequence's lower bound at this look.
    @ExplicitNull package var lower: Double?
    /// `difference + radius`.
    @ExplicitNull package var upper: Double?
    package var alpha: Double
    /// τ, the mixing standard deviation the bounds were computed with.
    package var mixingSD: Double
    package var margin: Double
    package var verdict: Verdict
    /// Mean log-loss per outcome, probabilities clamped to [1e-15, 1 − 1e-15].
    @ExplicitNull package var championLogLoss: Double?
    @ExplicitNull package var challengerLogLoss: Double?
    /// Mean Brier score per outcome.
    @ExplicitNull package var championBrier: Double?
    @ExplicitNull package var challengerBrier: Double?

    package init(
        outcomes: Int, positives: Int, championAUC: Double?, challengerAUC: Double?, difference: Double?,
        standardError: Double?, lower: Double?, upper: Double?, alpha: Double, mixingSD: Double, margin: Double,
        verdict: Verdict, championLogLoss: Double?, challengerLogLoss: Double?, championBrier: Double?, challengerBrier: Double?
    ) {
        self.outcomes = outcomes
        self.positives = positives
        self.championAUC = championAUC
        self.challengerAUC = challengerAUC
        self.difference = difference
        self.standardError = standardError
        self.lower = lower
        self.upper = upper
        self.alpha = alpha
        self.mixingSD = mixingSD
        self.margin = margin
        self.verdict = verdict
        self.championLogLoss = championLogLoss
        self.challengerLogLoss = challengerLogLoss
        self.championBrier = championBrier
        self.challengerBrier = challengerBrier
    }

    enum CodingKeys: String, CodingKey {
        case outcomes, positives, difference, lower, upper, alpha, margin, verdict
        case championAUC = "champion_auc"
        case challengerAUC = "challenger_auc"
        case standardError = "standard_error"
        case mixingSD = "mixing_sd"
        case championLogLoss = "champion_log_loss"
        case challengerLogLoss = "challenger_log_loss"
        case championBrier = "champion_brier"
        case challengerBrier = "challenger_brier"
    }
}
