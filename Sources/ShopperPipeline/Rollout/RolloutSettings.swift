import ShopperML

/// How rollouts run: what a retrain does with a challenger that passed the paired test, the
/// limits of a rollout, and its sequential test (`retrain.after`, `rollout.*` settings).
package struct RolloutSettings: Sendable, Equatable {
    /// After a retrain whose challenger passed the paired test: promote it at once, or start a
    /// shadow rollout and let the sequential test decide on the outcomes that follow.
    package var afterRetrain: AfterRetrain = .promote
    /// A rollout with this many joined outcomes and no verdict times out (the champion stays).
    package var maxOutcomes: Int = 5_000
    /// A rollout running this long with no verdict times out (the champion stays).
    package var maxDays: Double = 14
    /// The share of rows an A/B rollout gives the challenger when none is named.
    package var abShare: Double = 0.5
    /// The sequential test (ShopperML's `SequentialAUCTest`).
    package var test = SequentialSettings.standard

    package init() {}

    package enum AfterRetrain: String, Sendable, Codable, CaseIterable {
        case promote
        case shadow
    }
}
