import Foundation
import ShopperCore
import ShopperDrift
import ShopperML

/// Everything that shapes one batch's life, with the defaults the daemon runs on. Each can be set
/// in the config file, the environment or on the command line (see `docs/daemon.md`).
package struct PipelineSettings: Sendable, Equatable {
    /// Inputs larger than this are refused from their size, without being read.
    package var maxFileBytes: Int = 256 << 20
    /// `reject` (default: one invalid row rejects the batch) or `quarantine-rows`.
    package var invalidRowPolicy: InvalidRowPolicy = .reject
    /// How the operator switches to `quarantine-rows`, for the advice of a rejected batch (see
    /// `BatchError.advice(keepValidRows:)`): the daemon's `on-invalid` setting, in each of its
    /// three sources. The operator of the daemon has no `--on-invalid` flag to pass.
    package var keepValidRowsAdvice = "set the daemon's on-invalid setting to quarantine-rows"
        + " (\"on-invalid\": \"quarantine-rows\" in the config file, then reload; or start shopperd with"
        + " --set on-invalid=quarantine-rows or SHOPPERD_ON_INVALID=quarantine-rows) and drop the file in again"
    /// The drift decision: α, correction, effect floor, categorical method.
    package var drift = DriftConfig()
    /// Labelled rows needed (in the batch, or stored since the champion was trained) before a
    /// drift may retrain; below it the batch is scored and retraining waits.
    package var minLabelledRows: Int = 200
    /// Labelled rows needed to train the first champion when there is none.
    package var minBootstrapRows: Int = 100
    /// What a model needs before it may serve (rows of each class, a held-out set that can judge
    /// it, a threshold that discriminates): see `EvidenceRule`.
    package var evidence = EvidenceRule()
    /// The challenger trains on at most this many labelled rows: the newest of the champion's
    /// training window plus the new labelled rows (a sliding window).
    package var trainingWindowRows: Int = 50_000
    /// Share of the new labelled rows held out (stratified, seeded) to judge champion against
    /// challenger; the challenger never trains on them.
    package var evaluationFraction: Double = 0.3
    /// How the challenger is judged against the champion on the held-out new rows.
    package var promotionMetric: PromotionMetric = .rocAUC
    /// The paired test a challenger faces on the held-out rows: promoted unless significantly worse
    /// (one-sided α, margin = `retrain.tolerance`); see `PromotionRule`.
    package var promotion = PromotionRule()
    /// Shadow and A/B rollouts: what a retrain does with a challenger that passed, their limits and
    /// their sequential test.
    package var rollout = RolloutSettings()
    /// A labelled batch whose realised ROC AUC (scored by the champion before it saw the labels)
    /// falls more than this below the champion's validation ROC AUC triggers a retrain, drift or
    /// not: concept drift that feature tests cannot see. nil disables the trigger.
    package var performanceMargin: Double? = 0.05
    /// Forest and tuning settings for every model the daemon trains.
    package var training = TrainingConfiguration()
    /// How long a retrain (or the first champion's training) runs at the lowest CPU priority
    /// (`SCHED_IDLE`, `BackgroundExecutor`) before going on at normal priority; nil: normal throughout.
    package var trainingBackground: Duration? = .seconds(120)
    /// While `shopperd serve` on the same state directory answers at least this many requests a
    /// second, a training running in the background (`trainingBackground`) pauses between jobs,
    /// until the load drops or `trainingBackground` has passed; nil: never pause.
    package var trainingYieldAbove: Double? = 100
    /// Threads a training uses (its concurrent fit tasks); nil: one per core.
    package var trainingThreads: Int?

    /// `trainingThreads`, or the number of cores.
    package var trainingWorkers: Int { trainingThreads ?? ProcessInfo.processInfo.activeProcessorCount }
    /// How a challenger is tuned: around the champion's own hyper-parameters (its leaf size
    /// halved, kept and doubled: 3 candidates instead of the full grid's 14, so a retrain stays
    /// around a second as the window grows), or over the full grid.
    package var retrainTuning: RetrainTuning = .aroundChampion
    /// `inputs` (the 17 published columns) or `gold` (plus the engineered features).
    package var features: FeatureChoice = .inputs
    /// Months that count as peak shopping season for the gold layer.
    package var gold = GoldFeatures.Configuration.standard

    package init() {}

    /// The feature set models are trained on.
    package var featureSet: FeatureSet {
        switch features {
        case .inputs: .inputs
        case .gold: .inputsAndGold(configuration: gold)
        }
    }
}

/// How challengers are tuned (the first champion always uses the full grid).
package enum RetrainTuning: String, Sendable, Codable, CaseIterable {
    case aroundChampion = "around-champion"
    case full

    /// The tuning grid for a challenger of a champion grown with `parameters`.
    package func grid(champion parameters: ForestParameters, full: TuningGrid) -> TuningGrid {
        switch self {
        case .full:
            return full
        case .aroundChampion:
            let leaf = parameters.minSamplesLeaf
            let leaves = Array(Set([max(1, leaf / 2), leaf, leaf * 2])).sorted()
            return TuningGrid(maxDepth: [parameters.maxDepth], minSamplesLeaf: leaves, maxFeatures: [parameters.maxFeatures])
        }
    }
}

/// What a model reads.
package enum FeatureChoice: String, Sendable, Codable, CaseIterable {
    case inputs
    case gold
}

/// The metric champion and challenger are compared on.
package enum PromotionMetric: String, Sendable, Codable, CaseIterable {
    case rocAUC = "roc_auc"
    case averagePrecision = "average_precision"
    /// Recall at each model's own stored threshold (the business metric: missed buyers).
    case recall
    case f1

    /// The metric of `report`; nil when undefined: rows of one class only decide nothing (ROC AUC
    /// has no curve, average precision is 1 for any model on buyers only, 0 on non-buyers only).
    package func value(of report: ClassificationReport) -> Double? {
        guard report.positives > 0, report.positives < report.rows else { return nil }
        return switch self {
        case .rocAUC: report.rocAUC
        case .averagePrecision: report.averagePrecision
        case .recall: report.recall
        case .f1: report.f1
        }
    }
}
