import Foundation

/// The settings of the sequential (always-valid) comparison of a challenger with the champion
/// (`SequentialAUCTest`).
///
/// * `alpha`: the error level. The confidence sequence for `challenger − champion` covers the
///   true difference at **every** look with probability ≥ 1 − α, so each wrong verdict, ever, has
///   probability ≤ α: `better` when the challenger is not better by more than `margin`, and
///   `worse` when it is not worse by more than `margin` (see `SequentialAUCTest`).
/// * `mixingSD` (τ): the standard deviation of the normal mixture over the difference. The
///   boundary is tightest when the standard error s is about τ / 2.9, where its radius is about
///   1.06 τ: the test is most powerful against differences of about τ. The default, 0.02, sits
///   in the middle of the AUC differences worth acting on (0.01–0.05) and matches the standard
///   errors a rollout sees: DeLong's s between two forests trained on different windows is
///   ~0.009 after 1,500 outcomes of the bundled data (s ≈ τ / 2.3, near the optimum). Past the
///   optimum the radius grows only as √log, so long rollouts lose little; before it (large s,
///   few outcomes) it is wide, which is what keeps early looks honest. `shopperd-bench rollout
///   --taus 0.005,0.01,0.02,0.04` compares them: τ = 0.01 promotes a +0.029 challenger in 30 %
///   of runs, τ = 0.02 in all (ROLLOUT-SIM.md).
/// * `minimumPerClass`: no verdict before this many buyers **and** this many non-buyers: the
///   plug-in DeLong standard error is unreliable on a handful of rows of one class.
/// * `margin`: the indifference zone: `better` needs the whole sequence above `+margin`, `worse`
///   needs it below `−margin`.
package struct SequentialSettings: Sendable, Hashable, Codable {
    package var alpha: Double
    package var mixingSD: Double
    package var minimumPerClass: Int
    package var margin: Double

    package init(alpha: Double = 0.05, mixingSD: Double = 0.02, minimumPerClass: Int = 10, margin: Double = 0) {
        self.alpha = alpha
        self.mixingSD = mixingSD
        self.minimumPerClass = minimumPerClass
        self.margin = margin
    }

    /// α = 0.05, τ = 0.02, at least 10 buyers and 10 non-buyers, margin 0.
    package static let standard = SequentialSettings()

    /// A setting out of range, with what to change.
    package struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        package var description: String
    }

    /// Throws when a setting is out of range: α in (0, 1), τ > 0 and finite, at least 2 per class
    /// (a sample variance needs two), margin ≥ 0 and finite.
    package func validate() throws(Invalid) {
        guard alpha > 0, alpha < 1 else { throw Invalid(description: "alpha must be in (0, 1), e.g. 0.05 (got \(alpha))") }
        guard mixingSD > 0, mixingSD.isFinite else {
            throw Invalid(description: "mixing_sd (τ) must be a positive number, e.g. 0.02 (got \(mixingSD))")
        }
        guard minimumPerClass >= 2 else {
            throw Invalid(description: "minimum_per_class must be at least 2 buyers and non-buyers (got \(minimumPerClass))")
        }
        guard margin >= 0, margin.isFinite else { throw Invalid(description: "margin must be 0 or more, e.g. 0 (got \(margin))") }
    }

    enum CodingKeys: String, CodingKey {
        case alpha, margin
        case mixingSD = "mixing_sd"
        case minimumPerClass = "minimum_per_class"
    }

    /// A missing key takes its default.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SequentialSettings.standard
        alpha = try container.decodeIfPresent(Double.self, forKey: .alpha) ?? defaults.alpha
        mixingSD = try container.decodeIfPresent(Double.self, forKey: .mixingSD) ?? defaults.mixingSD
        minimumPerClass = try container.decodeIfPresent(Int.self, forKey: .minimumPerClass) ?? defaults.minimumPerClass
        margin = try container.decodeIfPresent(Double.self, forKey: .margin) ?? defaults.margin
    }
}
