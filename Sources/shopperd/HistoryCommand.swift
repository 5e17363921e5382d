import ArgumentParser
import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
import ShopperStore

/// `shopperd history`: what the daemon did with each input, oldest first.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List processed batches: outcome, decision, drift, store version and model.",
        discussion: "One line per inbox input the daemon finished (from the store's jobs table). JSON keys: "
            + "job_id, processed_at, input, outbox_stem, outcome, decision, rows, store_version, model_version, "
            + "critical_drift, drifted_features.")

    @OptionGroup var state: StateOptions
    @Option(help: "Show only the newest N batches.") var limit: Int?
    @Option(help: "Output format.") var format: ReportFormat = .text

    struct Entry: Encodable {
        let jobID: String
        let processedAt: String
        let input: String
        let outboxStem: String
        let outcome: String
        let decision: String
        let rows: Int
        let storeVersion: Int?
        let modelVersion: Int?
        let criticalDrift: Bool?
        let driftedFeatures: [String]

        enum CodingKeys: String, CodingKey {
            case input, outcome, decision, rows
            case jobID = "job_id"
            case processedAt = "processed_at"
            case outboxStem = "outbox_stem"
            case storeVersion = "store_version"
            case modelVersion = "model_version"
            case criticalDrift = "critical_drift"
            case driftedFeatures = "drifted_features"
        }
    }

    static func entries(_ jobs: [JobRecord]) -> [Entry] {
        jobs.map { job in
            // An unreadable drift report lists as unknown (null), never as "no drift".
            let drift = job.driftReport.flatMap { try? JSONPolicy.decode(DriftReport.self, from: $0) }
            return Entry(
                jobID: job.id, processedAt: Terminal.timestamp(job.processedAt),
                input: InboxFileName(bytes: job.inputName)?.description ?? "?", outboxStem: job.outboxStem,
                outcome: job.outcome.rawValue, decision: job.decision, rows: job.rowCount, storeVersion: job.batchVersion,
                modelVersion: job.modelVersion, criticalDrift: drift?.criticalDrift, driftedFeatures: drift?.drivers.map(\.name) ?? [])
        }
    }

    func run() throws {
        let store = try RegistryCLI.openExistingStore(state)
        let jobs: [JobRecord]
        do { jobs = try store.jobs(limit: limit) } catch { throw Terminal.fail(error) }
        let entries = Self.entries(jobs)
        switch format {
        case .json:
            print(try RegistryCLI.json(entries), terminator: "")
        case .text:
            guard !entries.isEmpty else {
                print("no batches processed yet (drop CSV files into the inbox of `shopperd run`)")
                return
            }
            let rows = entries.map { e in
                [e.processedAt, e.input, e.outcome, e.decision, String(e.rows), e.storeVersion.map(String.init) ?? "-",
                 e.modelVersion.map { "v\($0)" } ?? "-",
                 e.criticalDrift == nil ? "-" : (e.driftedFeatures.isEmpty ? "no" : e.driftedFeatures.joined(separator: ","))]
            }
            print(TextTable.render(header: ["TIME", "INPUT", "OUTCOME", "DECISION", "ROWS", "VERSION", "MODEL", "DRIFT"],
                                   rows: rows, rightAligned: [4, 5]))
        }
    }
}
