import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// The champion/challenger test: a challenger trained on the champion's window plus the new
/// labelled rows, both judged on new labelled rows that neither trained on.
///
/// The evaluation slice is a stratified, seeded share (`evaluationFraction`) of the rows that came
/// in since the champion was trained: the data the decision is about. The challenger trains on the
/// rest, appended to the champion's own training rows, keeping the newest `trainingWindowRows`
/// (a sliding window). The held-out rows are not wasted: they are in the store, inside the next
/// window.
struct ChallengerTrial: Sendable {
    let model: ForestModel
    /// The oldest store version in its training window.
    let trainingFromVersion: Int?
    let trainingRows: Int
    let evaluation: BatchReport.ChallengerEvaluation?
    let promoted: Bool
    /// One line: the metric on the held-out rows, challenger vs champion.
    let verdict: String

    static func run(
        champion: Champion, newLabelled: [VersionedSession], settings: PipelineSettings, storeVersion: Int
    ) async throws -> ChallengerTrial {
        let labels = newLabelled.map { $0.session.revenue ?? false }
        let split = try StratifiedSplit(
            labels: labels, validationFraction: 0, testFraction: settings.evaluationFraction, seed: settings.training.seed)
        let held = Set(split.test)
        let evaluationRows = split.test.map { newLabelled[$0].session }
        let fresh = newLabelled.indices.filter { !held.contains($0) }.map { newLabelled[$0] }
        let window = Array((champion.training + fresh).suffix(settings.trainingWindowRows))
        var configuration = settings.training
        configuration.grid = settings.retrainTuning.grid(champion: champion.model.parameters, full: settings.training.grid)
        let model = try await ModelCatalog.train(
            window.map(\.session), features: settings.featureSet, configuration: configuration, storeVersion: storeVersion)

        let evaluationLabels = evaluationRows.map { $0.revenue ?? false }
        let championScores = try await ModelCatalog.score(evaluationRows, with: champion.model).map(\.probability)
        let challengerScores = try await ModelCatalog.score(evaluationRows, with: model).map(\.probability)
        let championReport = ClassificationReport(
            dataset: "evaluation", scores: championScores, labels: evaluationLabels, threshold: champion.model.threshold)
        let challengerReport = ClassificationReport(
            dataset: "evaluation", scores: challengerScores, labels: evaluationLabels, threshold: model.threshold)
        let metric = settings.promotionMetric
        let championValue = metric.value(of: championReport)
        let challengerValue = metric.value(of: challengerReport)
        let promoted: Bool
        switch (championValue, challengerValue) {
        case let (.some(c), .some(n)): promoted = n >= c - settings.promotionTolerance
        case (.none, .some): promoted = true
        default: promoted = false
        }
        let positives = evaluationLabels.filter { $0 }.count
        let verdict: String
        if let challengerValue {
            verdict = "\(metric.rawValue) on \(evaluationRows.count) held-out new rows (\(positives) buyers): challenger "
                + format(challengerValue) + " vs champion " + (championValue.map(format) ?? "undefined")
                + ", tolerance " + format(settings.promotionTolerance)
        } else {
            verdict = "\(metric.rawValue) is undefined on the \(evaluationRows.count) held-out new rows (\(positives) buyers): champion kept"
        }
        return ChallengerTrial(
            model: model, trainingFromVersion: window.first?.version, trainingRows: window.count,
            evaluation: .init(metric: metric, rows: evaluationRows.count, positives: positives, champion: championValue,
                              challenger: challengerValue, tolerance: settings.promotionTolerance, promoted: promoted,
                              trainingRows: window.count),
            promoted: promoted, verdict: verdict)
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}
