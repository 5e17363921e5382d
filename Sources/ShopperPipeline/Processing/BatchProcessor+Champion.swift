import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

extension BatchProcessor {
    /// The serving model and the data it was trained on (the drift reference), cached until the
    /// champion changes.
    func currentChampion() throws -> Champion? {
        guard let version = try store.aliases()[.champion] else {
            championCache = nil
            return nil
        }
        if let cached = championCache, cached.version == version { return cached }
        let record = try store.model(version: version)
        let model = try catalog.model(version: version)
        let from = record.trainingFromVersion ?? 1
        let training = try store.labelledSessions(fromVersion: from, throughVersion: record.trainingStoreVersion)
            .map { VersionedSession(version: $0.version, session: $0.session) }
        guard !training.isEmpty else {
            throw PipelineError.model("champion v\(version) has no labelled rows in store versions \(from)…\(record.trainingStoreVersion) to serve as the drift reference")
        }
        // The validation figure is only the realised-performance trigger's yardstick: unreadable
        // metrics do not stop scoring, but every report on a labelled batch says the trigger is off.
        var validationROCAUC: Double?
        var validationUnknown: String?
        do {
            let metrics = try JSONPolicy.decode(ModelDocuments.Metrics.self, from: record.metrics)
            validationROCAUC = metrics.holdout?.rocAUC ?? metrics.outOfBag?.rocAUC
        } catch {
            validationUnknown = "its stored metrics cannot be read (\(error)), so there is no validation ROC AUC to compare with"
        }
        let champion = Champion(
            version: version, model: model, trainingFromVersion: from, trainingStoreVersion: record.trainingStoreVersion,
            training: training, reference: DriftReference(sessions: training.map(\.session)),
            validationROCAUC: validationROCAUC, validationUnknown: validationUnknown)
        championCache = champion
        return champion
    }

    /// The champion's figures on the batch's labelled rows, scored before it saw the labels, and
    /// whether they fell more than `performance-margin` below its validation figure.
    func realisedPerformance(of champion: Champion, on sessions: [Session], predictions: [Prediction]) -> BatchReport.RealisedPerformance {
        // Only rows with a label: a blank Revenue says nothing about the prediction.
        let labelled = sessions.indices.filter { sessions[$0].revenue != nil }
        let report = ClassificationReport(
            dataset: "batch", scores: labelled.map { predictions[$0].probability }, labels: labelled.map { sessions[$0].revenue == true },
            threshold: champion.model.threshold)
        let triggered: Bool
        if let margin = settings.performanceMargin, let validation = champion.validationROCAUC, let realised = report.rocAUC {
            triggered = realised < validation - margin
        } else {
            triggered = false
        }
        return .init(
            modelVersion: champion.version, rows: labelled.count, positives: report.positives,
            threshold: champion.model.threshold, rocAUC: report.rocAUC,
            recall: report.positives > 0 ? report.recall : nil,
            precision: report.confusion.truePositives + report.confusion.falsePositives > 0 ? report.precision : nil,
            ece: report.reliability?.ece, brier: report.reliability?.brier,
            validationROCAUC: champion.validationROCAUC, margin: settings.performanceMargin, triggered: triggered)
    }
}
