import ArgumentParser
import Foundation
import ShopperCore
import ShopperStore

/// `shopperd ingest FILE...`: reads each batch strictly and stores it as a new version.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate CSV batches and store each as a new version (bronze, silver, gold).",
        discussion: """
            Each file is read strictly (RFC 4180, the 18-column schema, types and ranges) and stored in one \
            transaction: a new store version, or nothing. A file already ingested (same SHA-256) is a no-op. \
            Exit status: 0 all stored or already present; 65 a batch was rejected; 66 a file could not be read; \
            74 the store failed. Files are processed in the order given; a rejected file does not stop the others.
            """
    )

    @Argument(help: ArgumentHelp("CSV batch files.", valueName: "FILE"))
    var files: [String]

    @OptionGroup var state: StateOptions

    @Option(name: .customLong("on-invalid"), help: "What to do with invalid rows: reject the whole batch, or quarantine-rows (keep the valid rows).")
    var onInvalid: InvalidRowPolicy = .reject

    func run() throws {
        let store = try state.openStore(.create)
        let reader = BatchReader(policy: onInvalid)
        var failure: ExitCode?
        for file in files {
            let batch: ParsedBatch
            do {
                batch = try reader.read(contentsOf: URL(fileURLWithPath: file))
            } catch {
                Terminal.error("rejected " + error.report(maxIssues: 50, keepValidRows: "ingest with --on-invalid quarantine-rows"))
                if case .unreadable = error { failure = failure ?? CLIExit.noInput } else { failure = CLIExit.dataRejected }
                continue
            }
            if !batch.unknownColumns.isEmpty {
                Terminal.error("\(file): warning: unknown columns ignored: \(batch.unknownColumns.map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", "))")
            }
            for row in batch.quarantined.prefix(20) {
                for issue in row.issues { Terminal.error("\(file): quarantined \(issue.location), column \(issue.column), value \"\(issue.value)\": \(issue.reason)") }
            }
            if batch.quarantined.count > 20 {
                Terminal.error("\(file): … and \(batch.quarantined.count - 20) more quarantined rows (see the store's quarantined_rows)")
            }
            do {
                switch try store.ingest(batch, receivedAt: Date()) {
                case .created(let version):
                    print("\(file): stored as version \(version.version): \(Self.describe(version))")
                case .alreadyIngested(let version):
                    print("\(file): already ingested as version \(version.version) (same SHA-256 \(version.sha256.prefix(12))…); nothing written")
                }
            } catch {
                Terminal.error("\(file): not stored")
                throw Terminal.fail(error)
            }
        }
        if let failure { throw failure }
    }

    static func describe(_ v: StoreVersion) -> String {
        var parts = ["\(v.rowCount) rows"]
        switch v.labelledCount {
        case 0: parts.append("unlabelled")
        case v.rowCount: parts.append("labelled, \(v.positiveCount) with Revenue TRUE")
        default: parts.append("\(v.labelledCount) labelled (\(v.positiveCount) with Revenue TRUE), \(v.rowCount - v.labelledCount) without a label")
        }
        if v.duplicateCount > 0 { parts.append("\(v.duplicateCount) exact duplicates flagged") }
        if v.quarantinedCount > 0 { parts.append("\(v.quarantinedCount) rows quarantined") }
        return parts.joined(separator: ", ")
    }
}
