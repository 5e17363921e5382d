import Foundation
import ShopperML
import ShopperPipeline
import ShopperStore

/// How `train` and `models` print a registered model: one text layout and one JSON layout, so a
/// model looks the same whichever command shows it. Keys are listed in docs/registry.md.
enum ModelReport {
    // MARK: - Text

    /// The full report of a model: lineage, parameters, threshold, metrics on held-out and
    /// out-of-bag rows, importances (the first `topFeatures`, or all), tuning trials.
    static func text(_ entry: ModelEntry, topFeatures: Int? = nil) -> String {
        let record = entry.record
        let forest = entry.parameters.forest
        let provenance = entry.metrics.provenance
        var lines: [String] = []
        let aliases = record.aliases.isEmpty ? "" : "  [" + record.aliases.map(\.rawValue).joined(separator: ", ") + "]"
        lines.append("model version \(record.version)\(aliases)")
        lines.append("  created      \(Terminal.timestamp(record.createdAt)) by shopperd \(record.codeVersion)")
        let window = record.trainingFromVersion.map { "store versions \($0)…\(record.trainingStoreVersion)" }
            ?? "store version \(record.trainingStoreVersion)"
        lines.append("  trained on   \(window): \(record.trainingRowCount) labelled rows, \(provenance.positiveRows) buyers;"
            + " seed \(record.seed)")
        lines.append("  parameters   \(forest.treeCount) trees, max_features \(forest.maxFeatures), max_depth "
            + "\(forest.maxDepth.map(String.init) ?? "none"), min_samples_leaf \(forest.minSamplesLeaf), class_weight "
            + "\(forest.classWeight.rawValue), \(forest.bootstrap ? "bootstrap" : "no bootstrap"), \(forest.maxBins) bins")
        lines.append("  features     \(entry.parameters.featureNames.count): \(entry.parameters.featureNames.joined(separator: ", "))")
        lines.append("  threshold    \(thresholdLine(entry))")
        lines.append("  probability  \(calibrationLine(entry.parameters.calibration))")
        lines.append("  file         \(record.modelFileSize) bytes, SHA-256 \(record.modelSHA256)")
        lines.append("")
        lines.append(metricsTable(entry.metrics))
        lines.append("  holdout: rows set aside (stratified) before tuning, scored once by the tuned forest fitted on the others;")
        lines.append("  out-of-bag: the final model's out-of-bag predictions of every training row, at the stored threshold.")
        lines.append("  ECE: mean gap between predicted probability and observed buying rate over 10 equal-width bins; Brier: mean (p − y)².")
        if let table = reliabilityTable(entry.metrics) {
            lines.append("")
            lines.append(table)
        }
        lines.append("")
        lines.append(importanceTable(entry.importances, limit: topFeatures))
        if !entry.metrics.tuning.isEmpty {
            lines.append("")
            lines.append(tuningTable(entry.metrics.tuning))
        }
        return lines.joined(separator: "\n")
    }

    /// "0.5093: out of bag it finds 81.7 % of buyers …": the threshold and the precision it costs.
    static func thresholdLine(_ entry: ModelEntry) -> String {
        let threshold = fixed(entry.parameters.threshold)
        guard let choice = entry.metrics.thresholdChoice else { return threshold }
        var text = "\(threshold), chosen for recall ≥ \(fixed(choice.targetRecall, 2))"
        if choice.confidence > 0.5 { text += " at \(percent(choice.confidence)) confidence" }
        text += " on \(choice.chosenOn == "outOfBag" ? "out-of-bag predictions" : choice.chosenOn): recall \(fixed(choice.recall, 3))"
        if choice.confidence > 0.5 { text += " (lower bound \(fixed(choice.recallLowerBound, 3)))" }
        text += ", at the cost of precision \(fixed(choice.precision, 3))"
        return text
    }

    static func metricsTable(_ metrics: ModelDocuments.Metrics) -> String {
        let reports: [(String, ClassificationReport)] = [("holdout", metrics.holdout), ("out-of-bag", metrics.outOfBag)]
            .compactMap { name, report in report.map { (name, $0) } }
        let rows = reports.map { name, r in
            [name, String(r.rows), String(r.positives), fixed(r.rocAUC), fixed(r.averagePrecision), fixed(r.threshold),
             fixed(r.precision, 3), fixed(r.recall, 3), fixed(r.f1, 3), String(r.confusion.truePositives),
             String(r.confusion.falsePositives), String(r.confusion.trueNegatives), String(r.confusion.falseNegatives),
             fixed(r.reliability?.ece), fixed(r.reliability?.brier)]
        }
        return TextTable.render(
            header: ["EVALUATED ON", "ROWS", "BUYERS", "ROC AUC", "AP", "THRESHOLD", "PRECISION", "RECALL", "F1",
                     "TP", "FP", "TN", "FN", "ECE", "BRIER"],
            rows: rows, rightAligned: Set(1...14))
    }

    static func importanceTable(_ importances: [FeatureImportance], limit: Int?) -> String {
        let shown = limit.map { Array(importances.prefix($0)) } ?? importances
        let rows = shown.map { i in
            [i.feature, fixed(i.meanDecreaseImpurity),
             i.permutationAUCDrop.map { fixed($0) + (i.permutationAUCDropStd.map { " ± " + fixed($0) } ?? "") } ?? "-"]
        }
        var text = "Importances: mean decrease in impurity (sums to 1); holdout ROC AUC lost when the feature is shuffled (mean ± sd).\n"
        text += TextTable.render(header: ["FEATURE", "IMPURITY", "PERMUTATION"], rows: rows, rightAligned: [1])
        if shown.count < importances.count {
            text += "\n… \(importances.count - shown.count) more features (`shopperd models show`)"
        }
        return text
    }

    static func tuningTable(_ trials: [TuningTrial]) -> String {
        let rows = trials.map { t in
            [t.maxDepth.map(String.init) ?? "none", String(t.minSamplesLeaf), t.maxFeatures.description,
             fixed(t.rocAUC), fixed(t.averagePrecision), t.scoredOn == "outOfBag" ? "out-of-bag" : t.scoredOn]
        }
        return "Tuning candidates, best first (judged on the out-of-bag predictions of the rows outside the holdout).\n"
            + TextTable.render(header: ["MAX_DEPTH", "MIN_SAMPLES_LEAF", "MAX_FEATURES", "ROC AUC", "AP", "SCORED ON"],
                               rows: rows, rightAligned: [1, 3, 4])
    }

    /// One line per model for `models list`.
    static func listTable(_ entries: [ModelEntry]) -> String {
        let rows = entries.map { e in
            [String(e.version), Terminal.timestamp(e.record.createdAt), String(e.record.trainingStoreVersion),
             String(e.record.trainingRowCount), fixed(e.metrics.holdout?.rocAUC), fixed(e.parameters.threshold),
             e.record.aliases.map(\.rawValue).joined(separator: ",")]
        }
        return TextTable.render(
            header: ["VERSION", "CREATED", "STORE VERSION", "TRAINING ROWS", "HOLDOUT ROC AUC", "THRESHOLD", "ALIASES"],
            rows: rows, rightAligned: [0, 2, 3])
    }

    /// The alias history, oldest first.
    static func historyTable(_ changes: [AliasChange]) -> String {
        let rows = changes.map { c in
            [Terminal.timestamp(c.changedAt), c.alias.rawValue, c.action.rawValue, c.fromVersion.map(String.init) ?? "-",
             c.toVersion.map(String.init) ?? "-", c.reason]
        }
        return TextTable.render(header: ["TIME", "ALIAS", "ACTION", "FROM", "TO", "REASON"], rows: rows, rightAligned: [3, 4])
    }

    /// "champion: version 1 → version 2 (reason)".
    static func describe(_ change: AliasChange) -> String {
        let from = change.fromVersion.map { "version \($0)" } ?? "none"
        let to = change.toVersion.map { "version \($0)" } ?? "none"
        let verb = switch change.action {
        case .promote: "promoted"
        case .rollback: "rolled back"
        case .remove: "removed"
        }
        return "\(change.alias.rawValue) \(verb): \(from) → \(to) (reason: \(change.reason))"
    }

    static func fixed(_ value: Double?, _ digits: Int = 4) -> String {
        guard let value else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double) -> String {
        let text = String(format: "%.1f", value * 100)
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + " %"
    }
}
