import ArgumentParser
import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
import ShopperML
import ShopperPipeline
import ShopperStore

/// `shopperd status`: the operator's one-screen answer to "what state is shopperd in?" — from the
/// store (and the inbox, when given), so it works whether or not the daemon runs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the store, the champion, the batches processed, the last drift and what waits in the inbox.",
        discussion: "JSON keys: store_versions, rows, labelled_rows, champion (version, created_at, training_from_version, "
            + "training_store_version, training_rows, holdout_roc_auc, threshold), challenger, models, batches (total, "
            + "scored, stored, rejected, duplicate), first_champion_waits (what the first champion still needs, while "
            + "there is none and a labelled batch was stored), last_batch, last_drift (processed_at, input, drifted_features), inbox "
            + "(waiting, claimed) when --inbox is given.")

    @OptionGroup var state: StateOptions
    @Option(help: ArgumentHelp("The daemon's inbox, to count what waits there.", valueName: "DIR")) var inbox: String?
    @Option(help: "Output format.") var format: ReportFormat = .text

    struct Status: Encodable {
        struct Champion: Encodable {
            let version: Int
            let createdAt: String
            let trainingFromVersion: Int
            let trainingStoreVersion: Int
            let trainingRows: Int
            let holdoutROCAUC: Double?
            let threshold: Double?

            enum CodingKeys: String, CodingKey {
                case version, threshold
                case createdAt = "created_at"
                case trainingFromVersion = "training_from_version"
                case trainingStoreVersion = "training_store_version"
                case trainingRows = "training_rows"
                case holdoutROCAUC = "holdout_roc_auc"
            }
        }
        struct Batches: Encodable {
            let total: Int
            let scored: Int
            /// Labelled batches kept as data while no champion had enough evidence.
            let stored: Int
            let rejected: Int
            let duplicate: Int
        }
        struct LastDrift: Encodable {
            let processedAt: String
            let input: String
            let driftedFeatures: [String]

            enum CodingKeys: String, CodingKey {
                case input
                case processedAt = "processed_at"
                case driftedFeatures = "drifted_features"
            }
        }
        struct Inbox: Encodable {
            let waiting: Int
            let claimed: Int
        }

        let storeVersions: Int
        let rows: Int
        let labelledRows: Int
        let champion: Champion?
        let challenger: Int?
        let models: Int
        let batches: Batches
        /// With no champion: what the first one still needs (from the newest stored batch's report).
        let firstChampionWaits: [String]?
        let lastBatch: HistoryCommand.Entry?
        let lastDrift: LastDrift?
        let inbox: Inbox?

        enum CodingKeys: String, CodingKey {
            case rows, champion, challenger, models, batches, inbox
            case storeVersions = "store_versions"
            case labelledRows = "labelled_rows"
            case lastBatch = "last_batch"
            case lastDrift = "last_drift"
            case firstChampionWaits = "first_champion_waits"
        }
    }

    func run() throws {
        let store = try RegistryCLI.openExistingStore(state)
        let status: Status
        do { status = try gather(store) } catch { throw RegistryCLI.fail(error) }
        switch format {
        case .json: print(try RegistryCLI.json(status), terminator: "")
        case .text: print(Self.text(status), terminator: "")
        }
    }

    private func gather(_ store: ShopperStore) throws -> Status {
        let versions = try store.versions()
        let aliases = try store.aliases()
        let models = try store.models()
        var champion: Status.Champion?
        if let version = aliases[.champion], let record = models.first(where: { $0.version == version }) {
            let metrics = try? JSONPolicy.decode(ModelDocuments.Metrics.self, from: record.metrics)
            champion = .init(
                version: version, createdAt: Terminal.timestamp(record.createdAt), trainingFromVersion: record.trainingFromVersion ?? 1,
                trainingStoreVersion: record.trainingStoreVersion, trainingRows: record.trainingRowCount,
                holdoutROCAUC: metrics?.holdout?.rocAUC, threshold: metrics?.threshold)
        }
        let jobs = try store.jobs()
        let entries = HistoryCommand.entries(jobs)
        let lastDrift = entries.last { $0.criticalDrift == true }.map {
            Status.LastDrift(processedAt: $0.processedAt, input: $0.input, driftedFeatures: $0.driftedFeatures)
        }
        var inboxStatus: Status.Inbox?
        if let inbox {
            // What the daemon would claim: the watcher's own naming rule, so uploads still under a
            // `.tmp`/`.part` name or a hidden name do not count.
            let waiting = (try? InboxScanner(directory: inbox).entries().count) ?? 0
            inboxStatus = .init(waiting: waiting, claimed: Spool.claimedCount(in: InboxLayout(inbox: inbox)))
        }
        return Status(
            storeVersions: versions.count, rows: versions.reduce(0) { $0 + $1.rowCount },
            labelledRows: versions.reduce(0) { $0 + $1.labelledCount }, champion: champion,
            challenger: aliases[.challenger], models: models.count,
            batches: .init(total: jobs.count, scored: jobs.filter { $0.outcome == .scored }.count,
                           stored: jobs.filter { $0.outcome == .stored }.count,
                           rejected: jobs.filter { $0.outcome == .rejected }.count,
                           duplicate: jobs.filter { $0.outcome == .duplicate }.count),
            firstChampionWaits: champion != nil ? nil : jobs.last { $0.outcome == .stored }
                .flatMap { try? JSONPolicy.decode(BatchReport.self, from: $0.report) }?.evidence?.needs,
            lastBatch: entries.last, lastDrift: lastDrift, inbox: inboxStatus)
    }

    static func text(_ s: Status) -> String {
        var lines: [String] = []
        lines.append("store:      \(s.storeVersions) versions, \(s.rows) rows (\(s.labelledRows) labelled)")
        if let c = s.champion {
            lines.append("champion:   v\(c.version) (trained \(c.createdAt) on \(c.trainingRows) rows of versions "
                + "\(c.trainingFromVersion)…\(c.trainingStoreVersion); holdout ROC AUC \(ModelReport.fixed(c.holdoutROCAUC)), "
                + "threshold \(ModelReport.fixed(c.threshold)))")
        } else {
            lines.append("champion:   none yet (a labelled batch or `shopperd run --bootstrap FILE` trains the first)")
            if let needs = s.firstChampionWaits, !needs.isEmpty {
                lines.append("            the first champion waits for labelled rows: need \(needs.joined(separator: ", "))")
            }
        }
        lines.append("challenger: \(s.challenger.map { "v\($0)" } ?? "none")   models registered: \(s.models)")
        lines.append("batches:    \(s.batches.total) (\(s.batches.scored) scored, \(s.batches.stored) stored, \(s.batches.rejected) rejected, \(s.batches.duplicate) duplicate)")
        if let last = s.lastBatch {
            lines.append("last batch: \(last.processedAt) \(last.input): \(last.decision)")
        }
        if let drift = s.lastDrift {
            lines.append("last drift: \(drift.processedAt) \(drift.input): \(drift.driftedFeatures.joined(separator: ", "))")
        } else {
            lines.append("last drift: none")
        }
        if let inbox = s.inbox {
            lines.append("inbox:      \(inbox.waiting) waiting, \(inbox.claimed) claimed and in progress")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
