import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// The champion/challenger test: a challenger trained on the champion's window plus the new
/// labelled rows, both judged on new labelled rows that neither trained on.
///
/// The evaluation slice is a stratified, seeded share (`evaluationFraction`) of the rows that came
/// in since the champion was trained: the data the decision is about. It is held out **by
/// content** (`ContentSplit`): every copy of a repeated row goes to the same side, and a new row
/// whose content is already in the champion's training window is never held out, so no held-out
/// row is a training row under another index (a batch resampled with replacement would otherwise
/// judge the challenger on rows it memorised). The challenger trains on the rest, appended to the
/// champion's own training rows, keeping the newest `trainingWindowRows` (a sliding window). The
/// held-out rows are not wasted: they are in the store, inside the next window.
///
/// The verdict follows the `EvidenceRule` first: held-out rows without enough of each class decide
/// nothing (checked before training: `Plan.verdict`), an undefined metric promotes no one, and a
/// challenger whose threshold flags every row may not serve. Then the `PromotionRule`: a paired
/// test of both models' scores of the same held-out rows (DeLong for ROC AUC), the challenger
/// promoted unless significantly worse.
struct ChallengerTrial: Sendable {
    let model: ForestModel
    /// The oldest store version in its training window.
    let trainingFromVersion: Int?
    let trainingRows: Int
    let evaluation: BatchReport.ChallengerEvaluation?
    let promoted: Bool
    /// One line: the metric on the held-out rows, challenger vs champion, the difference, its
    /// interval, the p-value and the rule.
    let verdict: String
    /// The evidence rule's verdict on the challenger (nil for a first champion: see `FirstChampion`).
    var evidence: EvidenceVerdict? = nil
    /// How long the training paused for live scoring (`training.yield-above`).
    var paused: Duration = .zero

    /// How the new labelled rows are split, and whether the held-out part can judge.
    struct Plan: Sendable {
        let evaluationRows: [Session]
        let fresh: [VersionedSession]
        let verdict: EvidenceVerdict
    }

    /// Splits `newLabelled` by content into held-out rows and rows to train on.
    static func plan(champion: Champion, newLabelled: [VersionedSession], settings: PipelineSettings) throws -> Plan {
        let sessions = newLabelled.map(\.session)
        let split = try ContentSplit(
            keys: sessions, labels: sessions.map { $0.revenue ?? false }, testFraction: settings.evaluationFraction,
            seed: settings.training.seed)
        let seen = Set(champion.training.lazy.map(\.session))
        let held = Set(split.test.filter { !seen.contains(sessions[$0]) })
        let evaluationRows = held.sorted().map { sessions[$0] }
        let fresh = newLabelled.indices.filter { !held.contains($0) }.map { newLabelled[$0] }
        let buyers = evaluationRows.lazy.filter { $0.revenue == true }.count
        let verdict = settings.evidence.canJudge(heldOutRows: evaluationRows.count, buyers: buyers, metric: settings.promotionMetric)
        return Plan(evaluationRows: evaluationRows, fresh: fresh, verdict: verdict)
    }

    /// Trains the challenger on the champion's window plus `plan.fresh` and judges both on
    /// `plan.evaluationRows` (which `plan.verdict` found able to judge).
    /// `yield`: pause the training while it holds (live scoring is busy; `ServingLoad`).
    static func run(
        champion: Champion, plan: Plan, settings: PipelineSettings, storeVersion: Int, yield: (@Sendable () -> Bool)? = nil
    ) async throws -> ChallengerTrial {
        let evaluationRows = plan.evaluationRows
        let window = Array((champion.training + plan.fresh).suffix(settings.trainingWindowRows))
        var configuration = settings.training
        configuration.grid = settings.retrainTuning.grid(champion: champion.model.parameters, full: settings.training.grid)
        let (model, paused) = try await ModelCatalog.train(
            window.map(\.session), settings: settings, configuration: configuration, storeVersion: storeVersion, yield: yield)

        let evaluationLabels = evaluationRows.map { $0.revenue ?? false }
        let championScores = try await ModelCatalog.score(evaluationRows, with: champion.model).map(\.probability)
        let challengerScores = try await ModelCatalog.score(evaluationRows, with: model).map(\.probability)
        let championReport = ClassificationReport(
            dataset: "evaluation", scores: championScores, labels: evaluationLabels, threshold: champion.model.threshold)
        let challengerReport = ClassificationReport(
            dataset: "evaluation", scores: challengerScores, labels: evaluationLabels, threshold: model.threshold)
        let metric = settings.promotionMetric
        let evidence = settings.evidence.mayServe(
            choice: model.metadata.thresholdChoice, outOfBag: model.metadata.outOfBag, heldOut: challengerReport, metric: metric,
            labelledRows: window.count, buyers: window.lazy.filter { $0.session.revenue == true }.count)
        let paired = settings.promotion.judge(
            metric: metric, labels: evaluationLabels, champion: championScores, championThreshold: champion.model.threshold,
            challenger: challengerScores, challengerThreshold: model.threshold, seed: settings.training.seed)
        let positives = evaluationLabels.filter { $0 }.count
        let rows = "\(evaluationRows.count) held-out new rows (\(positives) buyers)"
        let promoted: Bool
        let verdict: String
        if let paired {
            let comparison = "\(metric.rawValue) on \(rows): " + paired.summary
            if evidence.sufficient {
                promoted = paired.passed
                verdict = comparison
            } else {
                promoted = false
                verdict = comparison + "; the challenger may not serve: need " + evidence.needs.joined(separator: ", ")
            }
        } else {
            // Undefined (a class missing on the held-out rows): decides nothing, whatever the noise.
            promoted = false
            verdict = "\(metric.rawValue) is undefined on the \(rows): it decides nothing, champion kept"
        }
        return ChallengerTrial(
            model: model, trainingFromVersion: window.first?.version, trainingRows: window.count,
            evaluation: .init(metric: metric, rows: evaluationRows.count, positives: positives, champion: paired?.champion ?? metric.value(of: championReport),
                              challenger: paired?.challenger ?? metric.value(of: challengerReport), tolerance: settings.promotion.margin,
                              promoted: promoted, trainingRows: window.count, pairedTest: paired),
            promoted: promoted, verdict: verdict, evidence: evidence, paused: paused)
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}
