import ShopperML
import ShopperPipeline
import ShopperStore

/// A rollout's look as the journal shows it: `ROLLOUT_ID`, `ROLLOUT_MODE`, `ROLLOUT_STATE`,
/// `MODEL_VERSION` (the challenger), `CHAMPION_VERSION`, `OUTCOMES`, `POSITIVES`, `PREDICTIONS`,
/// and once the test can judge `ESTIMATE` (challenger − champion ROC AUC), `BOUND_LOW`,
/// `BOUND_HIGH` (the always-valid bounds), `VERDICT`.
package struct RolloutJournalEntry: Sendable, Equatable {
    package var rolloutID: Int
    package var mode: RolloutMode
    package var state: RolloutState
    package var championVersion: Int
    package var challengerVersion: Int
    package var outcomes: Int
    package var positives: Int
    package var predictions: Int
    package var look: SequentialLook
    package var ended: Bool
    package var summary: String

    package init(rolloutID: Int, mode: RolloutMode, state: RolloutState, championVersion: Int, challengerVersion: Int, outcomes: Int,
                 positives: Int, predictions: Int, look: SequentialLook, ended: Bool, summary: String) {
        self.rolloutID = rolloutID
        self.mode = mode
        self.state = state
        self.championVersion = championVersion
        self.challengerVersion = challengerVersion
        self.outcomes = outcomes
        self.positives = positives
        self.predictions = predictions
        self.look = look
        self.ended = ended
        self.summary = summary
    }

    package init(_ step: RolloutStep) {
        rolloutID = step.rollout.id
        mode = step.rollout.mode
        state = step.rollout.state
        championVersion = step.rollout.championVersion
        challengerVersion = step.rollout.challengerVersion
        outcomes = step.outcomes
        positives = step.look.positives
        predictions = step.predictions
        look = step.look
        ended = step.ended
        summary = step.summary
    }

    var fields: [JournalField] {
        var fields = [
            JournalField("ROLLOUT_ID", rolloutID), JournalField("ROLLOUT_MODE", mode.rawValue),
            JournalField("ROLLOUT_STATE", state.rawValue), JournalField("MODEL_VERSION", "v\(challengerVersion)"),
            JournalField("CHAMPION_VERSION", "v\(championVersion)"), JournalField("OUTCOMES", outcomes),
            JournalField("POSITIVES", positives), JournalField("PREDICTIONS", predictions),
            JournalField("VERDICT", look.verdict.rawValue),
        ]
        if let difference = look.difference { fields.append(JournalField("ESTIMATE", "\(difference)")) }
        if let lower = look.lower { fields.append(JournalField("BOUND_LOW", "\(lower)")) }
        if let upper = look.upper { fields.append(JournalField("BOUND_HIGH", "\(upper)")) }
        return fields
    }
}
