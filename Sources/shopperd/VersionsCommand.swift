import ArgumentParser
import Foundation
import ShopperStore

/// `shopperd versions`: the store's versions, one per ingested batch.
struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the store's versions: version, file, rows, labelled, time."
    )

    @OptionGroup var state: StateOptions

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    func run() throws {
        let store = try state.openStore()
        let versions: [StoreVersion]
        do {
            versions = try store.versions()
        } catch {
            throw Terminal.fail(error)
        }
        switch format {
        case .json:
            print(try Terminal.json(versions))
        case .text:
            if versions.isEmpty {
                print("The store at \(store.path) is empty: ingest a batch with `shopperd ingest FILE`.")
                return
            }
            let rows = versions.map { v in
                [String(v.version), v.fileName, String(v.rowCount),
                 v.labelledCount == v.rowCount ? "yes" : v.labelledCount == 0 ? "no" : "\(v.labelledCount) of \(v.rowCount)",
                 String(v.quarantinedCount), Terminal.timestamp(v.ingestedAt)]
            }
            print(TextTable.render(header: ["VERSION", "FILE", "ROWS", "LABELLED", "QUARANTINED", "TIME"], rows: rows,
                                   rightAligned: [0, 2, 4]))
        }
    }
}

/// Column-aligned plain text tables.
enum TextTable {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").droppingTrailingSpaces()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    func droppingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
