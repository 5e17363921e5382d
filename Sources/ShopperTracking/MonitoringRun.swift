import Foundation
import ShopperCore
import ShopperDrift
import ShopperStore

/// The MLflow run of one drift-checked batch: the decision, the per-feature tests, and the HTML
/// drift report.
package enum MonitoringRun {
    package static let htmlReportName = "drift_report.html"

    /// - Parameters:
    ///   - html: the rendered `DriftHTMLReport`, nil when its reference rows could not be rebuilt.
    ///   - referenceModel: the model whose training rows were the reference.
    package static func content(job: JobRecord, report: DriftReport, html: String?, referenceModel: Int?) -> RunContent {
        let time = job.processedAt.millisecondsSince1970
        var params = [
            MLflowParam(key: "batch_version", value: job.batchVersion.map(String.init) ?? "None"),
            MLflowParam(key: "model_version", value: job.modelVersion.map(String.init) ?? "None"),
            MLflowParam(key: "rows", value: String(job.rowCount)),
            MLflowParam(key: "outcome", value: job.outcome.rawValue),
            MLflowParam(key: "decision", value: job.decision),
            MLflowParam(key: "outbox_stem", value: job.outboxStem),
            MLflowParam(key: "alpha", value: "\(report.alpha)"),
            MLflowParam(key: "correction", value: report.correction.rawValue),
            MLflowParam(key: "min_effect", value: report.minEffect.map { "\($0)" } ?? "None"),
        ]
        if let referenceModel { params.append(MLflowParam(key: "reference_model_version", value: String(referenceModel))) }

        var metrics: [MLflowMetric] = []
        func metric(_ key: String, _ value: Double) {
            guard value.isFinite else { return }
            metrics.append(MLflowMetric(key: key, value: value, timestamp: time))
        }
        metric("critical_drift", report.criticalDrift ? 1 : 0)
        metric("drifted_features", Double(report.columns.filter(\.drifted).count))
        metric("reference_rows", Double(report.referenceRows))
        metric("current_rows", Double(report.currentRows))
        for column in report.columns {
            let name = column.column.name
            metric("p_value.\(name)", column.pValue)
            metric("p_adjusted.\(name)", column.pAdjusted)
            metric("statistic.\(name)", column.statistic)
            metric("effect_size.\(name)", column.effectSize)
            metric("drifted.\(name)", column.drifted ? 1 : 0)
        }

        let entity = MirrorEntity.job(id: job.id)
        var tags = [
            entity.tag,
            MLflowTag(key: "shopperd.job", value: job.id),
            MLflowTag(key: "shopperd.decision", value: job.decision),
            MLflowTag(key: "shopperd.outcome", value: job.outcome.rawValue),
            MLflowTag(key: "shopperd.critical_drift", value: String(report.criticalDrift)),
            MLflowTag(key: "shopperd.drivers", value: report.drivers.map(\.name).joined(separator: ",")),
            MLflowTag(key: "shopperd.input", value: String(decoding: job.inputName, as: UTF8.self)),
            MLflowTag(key: "shopperd.processed_at", value: JSONPolicy.timestamp(job.processedAt)),
            MLflowTag(key: "mlflow.user", value: "shopperd"),
            MLflowTag(key: "mlflow.source.name", value: "shopperd"),
            MLflowTag(key: "mlflow.source.type", value: "JOB"),
        ]
        if let batch = job.batchVersion { tags.append(MLflowTag(key: "shopperd.batch_version", value: String(batch))) }
        if let model = job.modelVersion { tags.append(MLflowTag(key: "shopperd.model_version", value: String(model))) }
        tags.append(MLflowTag(key: "mlflow.note.content", value: note(job: job, report: report, html: html != nil)))

        var artifacts = [
            RunArtifact(path: "drift_report.json", data: job.driftReport ?? Data(), contentType: "application/json"),
            RunArtifact(path: "report.json", data: job.report, contentType: "application/json"),
        ]
        if let html {
            artifacts.insert(RunArtifact(path: htmlReportName, data: Data(html.utf8), contentType: "text/html; charset=utf-8"), at: 0)
        }
        let name = "batch-" + (job.batchVersion.map(String.init) ?? job.id)
        return RunContent(entity: entity, runName: name, startTime: time, params: params, metrics: metrics, tags: tags,
                          artifacts: artifacts)
    }

    static func note(job: JobRecord, report: DriftReport, html: Bool) -> String {
        let verdict = report.criticalDrift
            ? "**Critical drift** in \(report.drivers.map(\.name).joined(separator: ", "))."
            : "No critical drift."
        var lines = [
            "Batch \(job.batchVersion.map(String.init) ?? "?") (job \(job.id), \(job.rowCount) rows), "
                + "checked against \(report.referenceRows) reference rows. \(verdict)",
            "",
            "Decision: `\(job.decision)`.",
        ]
        lines.append(html ? "The full report is the artifact `\(htmlReportName)`."
                          : "The HTML report is missing: the reference rows could not be rebuilt from the store.")
        return lines.joined(separator: "\n")
    }
}
