import Foundation
import ShopperCore
import ShopperDrift
import ShopperPipeline

/// What a notice says, once, in a form every channel renders: the one-line summary (the mail's
/// subject after the prefix, the chat message's title), a headline sentence, and sections of
/// labelled facts, one of which may carry the drift table. The plain-text part, the HTML part and
/// the webhook payloads are all drawn from it, so they never disagree.
package struct NoticeContent: Sendable {
    /// The outcome at a glance: `drift 9/17 · v5 promoted · aug.csv`.
    package var summary: String
    /// One sentence: what happened and what the daemon did.
    package var headline: String
    package var sections: [Section]

    package struct Fact: Sendable, Equatable {
        package var name: String
        package var value: String
    }

    package struct Section: Sendable {
        package var title: String
        package var facts: [Fact]
        /// The drift section's report, rendered as a table under the facts.
        package var drift: DriftReport?
        /// Lines shown as a list (validation issues, outbox files).
        package var items: [String] = []
    }

    /// The first section's facts: what a chat message shows.
    package var keyFacts: [Fact] { sections.first?.facts ?? [] }

    init(summary: String, headline: String, sections: [Section]) {
        self.summary = summary
        self.headline = headline
        self.sections = sections
    }

    package init(_ notice: Notice) {
        let when = JSONPolicy.timestamp(notice.occurredAt)
        switch notice.kind {
        case .batch:
            if let batch = notice.batch {
                self = Self.batch(batch, notice: notice)
            } else {
                self = Self.line(notice, title: "batch", text: notice.message ?? "a batch finished (no report attached)")
            }
        case .rejected, .duplicate:
            if let rejection = notice.rejection {
                self = Self.rejection(rejection, notice: notice)
            } else {
                self = Self.line(notice, title: notice.kind == .rejected ? "rejected" : "duplicate", text: notice.message ?? "an input was not accepted")
            }
        case .stuck: self = Self.line(notice, title: "stuck batch", text: notice.message ?? "a batch has been running too long")
        case .fatal: self = Self.line(notice, title: "fatal error", text: notice.message ?? "the daemon stopped on an error")
        case .modelChange: self = Self.line(notice, title: "model change", text: notice.message ?? "the champion changed")
        case .test: self = Self.line(notice, title: "test", text: notice.message ?? "test notification from shopperd")
        }
        sections[0].facts += [Fact(name: "Host", value: notice.host), Fact(name: "Time", value: when)]
    }

    // MARK: - Batches

    static func batch(_ batch: BatchReport, notice: Notice) -> NoticeContent {
        var parts: [String] = []
        if let drift = batch.drift {
            parts.append(drift.criticalDrift ? "drift \(drift.columns.filter(\.drifted).count)/\(drift.columns.count)" : "no drift")
        }
        parts.append(decisionPhrase(batch))
        parts.append(batch.input)

        var decision = Section(title: "Decision", facts: [
            Fact(name: "Decision", value: batch.decision.rawValue),
            Fact(name: "Reason", value: batch.reason),
            Fact(name: "Input", value: batch.input),
            Fact(name: "Rows", value: rowsLine(batch)),
        ])
        if let serving = batch.models.serving { decision.facts.append(Fact(name: "Serving", value: "v\(serving)")) }
        decision.facts.append(Fact(name: "Job", value: batch.jobID))
        decision.facts.append(Fact(name: "Store version", value: "\(batch.storeVersion)"))

        var sections = [decision]
        if let drift = batch.drift {
            let deciding = drift.columns.filter { !$0.calendar }
            let verdict = drift.criticalDrift
                ? "critical drift: \(deciding.filter(\.drifted).count) of \(deciding.count) behavioural features drifted"
                    + (drift.drivers.isEmpty ? "" : " (\(drift.drivers.map(\.name).joined(separator: ", ")))")
                : "no critical drift (\(deciding.count) behavioural features tested)"
            sections.append(Section(title: "Drift", facts: [
                Fact(name: "Verdict", value: verdict),
                Fact(name: "Reference", value: DriftTextReport.comparedClause(drift) + ", current \(drift.currentRows) rows"),
                Fact(name: "Test", value: "α = \(drift.alpha) · \(drift.correction.displayName)"),
                Fact(name: "Rule", value: drift.rule),
            ], drift: drift))
        }
        sections.append(models(batch))
        if (batch.quarantinedRows) > 0 {
            let issues = (batch.quarantinedIssues ?? []).prefix(10).map(\.description)
            sections.append(Section(title: "Quarantined rows", facts: [
                Fact(name: "Rows", value: "\(batch.quarantinedRows) set aside, \(batch.quarantinedIssueCount ?? batch.quarantinedRows) issues"),
            ], items: Array(issues)))
        }
        let t = batch.timingsMS
        sections.append(Section(title: "Timings (ms)", facts: [
            Fact(name: "Stages", value: "read \(ms(t.read)) · validate \(ms(t.validate)) · drift \(ms(t.drift)) · retrain \(ms(t.retrain)) · score \(ms(t.score)) · commit \(ms(t.commit))"),
            Fact(name: "Total", value: ms(t.total)),
        ]))
        if let rollout = batch.rollout, let verdict = rollout.verdict {
            sections.append(Section(title: "Rollout", facts: [Fact(name: "Look", value: verdict)]))
        }
        sections.append(outbox(notice))

        let headline = "\(batch.input): \(batch.decision.rawValue) — \(batch.reason)"
        return NoticeContent(summary: parts.joined(separator: " · "), headline: headline, sections: sections)
    }

    /// The model decision in a few words.
    static func decisionPhrase(_ batch: BatchReport) -> String {
        let serving = batch.models.serving.map { "v\($0)" }
        switch batch.decision {
        case .retrainPromoted: return "\(serving ?? "challenger") promoted"
        case .retrainRollout: return "v\(batch.models.challenger ?? 0) in a shadow rollout"
        case .retrainKept: return "\(batch.models.championBefore.map { "v\($0)" } ?? serving ?? "champion") kept"
        case .bootstrapTrained: return "\(serving ?? "first model") first champion"
        case .score: return "scored by \(serving ?? "the champion")"
        case .scoreAwaitingLabels: return "retrain awaits labels"
        case .retrainFailed: return "retrain failed"
        case .waitForChampion: return "stored, no champion yet"
        case .reject: return "rejected"
        case .duplicate: return "duplicate"
        }
    }

    static func rowsLine(_ batch: BatchReport) -> String {
        var line = "\(batch.rows)"
        var notes: [String] = []
        if let labelled = batch.labelledRows { notes.append("\(labelled) labelled") } else if batch.labelled { notes.append("labelled") }
        if batch.quarantinedRows > 0 { notes.append("\(batch.quarantinedRows) quarantined") }
        if batch.duplicateRowsInBatch > 0 { notes.append("\(batch.duplicateRowsInBatch) repeated") }
        if !notes.isEmpty { line += " (" + notes.joined(separator: ", ") + ")" }
        return line
    }

    static func models(_ batch: BatchReport) -> Section {
        let models = batch.models
        var facts: [Fact] = [
            Fact(name: "Serving", value: models.serving.map { "v\($0)" } ?? "none"),
            Fact(name: "Champion before", value: models.championBefore.map { "v\($0)" } ?? "none"),
        ]
        if let challenger = models.challenger { facts.append(Fact(name: "Challenger", value: "v\(challenger)")) }
        if let realised = batch.realised {
            var rows = realised.rows.map { " on \($0) labelled rows" } ?? ""
            if let positives = realised.positives, !rows.isEmpty { rows += " (\(positives) buyers)" }
            var figures = "ROC AUC \(figure(realised.rocAUC)) · recall \(figure(realised.recall)) · precision \(figure(realised.precision))"
            if realised.ece != nil || realised.brier != nil { figures += " · ECE \(figure(realised.ece)) · Brier \(figure(realised.brier))" }
            facts.append(Fact(name: "Champion realised", value: "v\(realised.modelVersion)\(rows): \(figures) at threshold \(figure(realised.threshold))"))
            facts.append(Fact(name: "Trigger", value: "validation ROC AUC \(figure(realised.validationROCAUC)), margin \(figure(realised.margin)): "
                + (realised.triggered ? "dropped beyond the margin, retrain triggered" : "not triggered")))
        }
        if let evaluation = models.evaluation {
            facts.append(Fact(name: "Challenger trial", value: "\(evaluation.metric.rawValue) on \(evaluation.rows) new labelled rows (\(evaluation.positives) buyers), "
                + "trained on \(evaluation.trainingRows): champion \(figure(evaluation.champion)) · challenger \(figure(evaluation.challenger)) · "
                + "tolerance \(figure(evaluation.tolerance)) → " + (evaluation.promoted ? "promoted" : "not promoted")))
            if let paired = evaluation.pairedTest {
                facts.append(Fact(name: "Paired test", value: paired.summary + (paired.passed ? " — passed" : " — failed")))
            }
        }
        if let evidence = batch.evidence {
            facts.append(Fact(name: "Evidence", value: evidence.sufficient ? "sufficient" : "insufficient: " + evidence.needs.joined(separator: "; ")))
        }
        return Section(title: "Models", facts: facts)
    }

    static func outbox(_ notice: Notice) -> Section {
        var facts: [Fact] = []
        if let directory = notice.outboxDirectory { facts.append(Fact(name: "Directory", value: directory)) }
        return Section(title: "Outbox", facts: facts, items: notice.outboxFiles)
    }

    // MARK: - Rejections

    static func rejection(_ rejection: RejectionReport, notice: Notice) -> NoticeContent {
        let duplicate = rejection.outcome == "duplicate" || rejection.duplicateOf != nil
        var facts = [
            Fact(name: "Outcome", value: duplicate ? "duplicate" : "rejected"),
            Fact(name: "Reason", value: rejection.reason),
            Fact(name: "Input", value: rejection.input),
            Fact(name: "Kept as", value: rejection.keptAs),
        ]
        if let original = rejection.duplicateOf {
            facts.append(Fact(name: "Duplicate of", value: "store version \(original.storeVersion) (\(original.file), sha256 \(original.sha256))"))
        }
        facts.append(Fact(name: "Job", value: rejection.jobID))
        var sections = [Section(title: "Decision", facts: facts)]
        if rejection.issueCount > 0 || !rejection.issues.isEmpty {
            let listed = rejection.issues.prefix(20)
            sections.append(Section(title: "Issues", facts: [
                Fact(name: "Found", value: "\(rejection.issueCount)" + (rejection.issueCount > listed.count ? " (first \(listed.count) listed)" : "")),
            ], items: listed.map(\.description)))
        }
        sections.append(outbox(notice))
        return NoticeContent(summary: (duplicate ? "duplicate" : "rejected") + " · " + rejection.input,
                             headline: "\(rejection.input) was \(duplicate ? "a duplicate" : "rejected"): \(rejection.reason)",
                             sections: sections)
    }

    // MARK: - Daemon events

    static func line(_ notice: Notice, title: String, text: String) -> NoticeContent {
        NoticeContent(summary: title + " · " + text, headline: text,
                      sections: [Section(title: title.prefix(1).uppercased() + title.dropFirst(), facts: [Fact(name: "Message", value: text)])])
    }

    // MARK: - Numbers

    static func figure(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return NumberFormat.c("%.4f", value)
    }

    static func ms(_ value: Double) -> String {
        value.isFinite ? NumberFormat.c("%.1f", value) : "n/a"
    }
}
