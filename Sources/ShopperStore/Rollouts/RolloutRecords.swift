import Foundation

/// How a rollout shares the traffic (`rollouts.mode`; shown by `shopperd rollout status`).
package enum RolloutMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The champion answers every row; the challenger scores the same rows, unseen.
    case shadow
    /// A share of the rows (sticky per session key) is answered by the challenger.
    case ab
}

/// Where a rollout stands (`rollouts.state`). The raw values are stored and shown: never rename one.
package enum RolloutState: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    /// The sequential test found the challenger better: it is the champion now.
    case promoted
    /// The sequential test found the challenger worse: the rollout ended (an A/B rollout is rolled
    /// back: the champion answers every row again).
    case rejected
    /// No verdict within the rollout's outcome or time limit: the champion stays.
    case timedOut = "timed-out"
    /// An operator stopped it (`shopperd rollout stop`).
    case stopped
    /// A newer challenger (a retrain) or an operator's promotion replaced it.
    case superseded
}

/// A rollout as stored.
package struct RolloutRecord: Sendable, Hashable {
    package var id: Int
    package var mode: RolloutMode
    /// The share of rows the challenger answers (A/B); 0 in shadow mode.
    package var share: Double
    package var championVersion: Int
    package var challengerVersion: Int
    package var state: RolloutState
    package var startedAt: Date
    /// The time limit: past it with no verdict, the rollout times out.
    package var deadline: Date
    /// The outcome limit: this many joined outcomes with no verdict, the rollout times out.
    package var maxOutcomes: Int
    /// The sequential test's settings (JSON, ShopperML's `SequentialSettings`).
    package var settings: Data
    /// Why it started.
    package var reason: String
    package var endedAt: Date?
    /// Why it ended, in one line.
    package var verdict: String?
    /// The last look of the sequential test (JSON, ShopperML's `SequentialLook`).
    package var lastLook: Data?
    package var looks: Int
    /// Outcomes sent a second time for the same prediction (ignored: the first one counts).
    package var duplicateOutcomes: Int
    /// Outcomes for prediction ids no rollout made, received while this one ran.
    package var unknownOutcomes: Int
    /// Outcomes for this rollout's predictions received after it ended.
    package var lateOutcomes: Int
}

/// A rollout to start (its id is given by the store).
package struct RolloutDraft: Sendable, Hashable {
    package var mode: RolloutMode
    package var share: Double
    package var championVersion: Int
    package var challengerVersion: Int
    package var startedAt: Date
    package var deadline: Date
    package var maxOutcomes: Int
    package var settings: Data
    package var reason: String

    package init(mode: RolloutMode, share: Double, championVersion: Int, challengerVersion: Int, startedAt: Date,
                 deadline: Date, maxOutcomes: Int, settings: Data, reason: String) {
        self.mode = mode
        self.share = share
        self.championVersion = championVersion
        self.challengerVersion = challengerVersion
        self.startedAt = startedAt
        self.deadline = deadline
        self.maxOutcomes = maxOutcomes
        self.settings = settings
        self.reason = reason
    }
}

/// Where a prediction made during a rollout came from.
package enum PredictionSource: String, Sendable, Hashable, Codable {
    case batch
    case live
}

/// One row scored while a rollout runs: both models' probabilities, which one answered, and the
/// outcome once known.
package struct RolloutPrediction: Sendable, Hashable {
    package var predictionID: String
    package var rolloutID: Int
    package var source: PredictionSource
    /// For a batch row: its store version and 1-based row number.
    package var batchVersion: Int?
    package var rowNumber: Int?
    package var championProbability: Double
    package var challengerProbability: Double
    /// The model version whose answer the client got.
    package var answeredBy: Int
    package var predictedAt: Date
    /// Known at once for a labelled batch's rows; later through feedback otherwise.
    package var outcome: Bool?

    package init(predictionID: String, rolloutID: Int, source: PredictionSource, batchVersion: Int? = nil, rowNumber: Int? = nil,
                 championProbability: Double, challengerProbability: Double, answeredBy: Int, predictedAt: Date,
                 outcome: Bool? = nil) {
        self.predictionID = predictionID
        self.rolloutID = rolloutID
        self.source = source
        self.batchVersion = batchVersion
        self.rowNumber = rowNumber
        self.championProbability = championProbability
        self.challengerProbability = challengerProbability
        self.answeredBy = answeredBy
        self.predictedAt = predictedAt
        self.outcome = outcome
    }
}

/// An outcome reported for a prediction id (an inbox CSV's `prediction_id` and `Revenue`, or
/// the live endpoint's feedback call).
package struct OutcomeReport: Sendable, Hashable {
    package var predictionID: String
    package var outcome: Bool

    package init(predictionID: String, outcome: Bool) {
        self.predictionID = predictionID
        self.outcome = outcome
    }
}

/// What became of reported outcomes: each is counted exactly once, in one of four ways.
package struct OutcomeCounts: Sendable, Hashable, Codable {
    /// Joined to a running rollout's prediction: they count in its test.
    package var joined = 0
    /// The prediction already had an outcome: ignored (the first one counts).
    package var duplicate = 0
    /// No rollout made a prediction with this id.
    package var unknown = 0
    /// The prediction's rollout has ended: recorded nowhere, counted on the rollout.
    package var late = 0

    package init() {}

    package var total: Int { joined + duplicate + unknown + late }

    package static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.joined += b.joined
        sum.duplicate += b.duplicate
        sum.unknown += b.unknown
        sum.late += b.late
        return sum
    }
}

/// A rollout's joined outcomes, in the order they were joined, with both models' probabilities:
/// what the sequential test looks at.
package struct RolloutOutcomes: Sendable, Hashable {
    package var labels: [Bool] = []
    package var champion: [Double] = []
    package var challenger: [Double] = []
    /// Predictions recorded so far (with or without an outcome).
    package var predictions = 0
    /// Of those, answered by the challenger (A/B).
    package var answeredByChallenger = 0

    package init() {}
}
