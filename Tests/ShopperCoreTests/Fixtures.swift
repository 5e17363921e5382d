import Foundation
import ShopperCore

/// Paths and helpers shared by the Core tests.
enum Fixtures {
    /// The repository's root, found from this source file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bundled UCI data set.
    static let bundledData: URL = repositoryRoot.appendingPathComponent("data/online_shoppers_intention.csv")

    static let header = Column.allCases.map(\.name).joined(separator: ",")
    static let validRow = "0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE"

    /// The cells of `validRow` by column.
    static let validCells: [Column: String] = Dictionary(
        uniqueKeysWithValues: zip(Column.allCases, validRow.split(separator: ",").map(String.init)))

    /// A data row in published column order, with some cells replaced.
    static func row(_ overrides: [Column: String] = [:], columns: [Column] = Column.allCases) -> String {
        columns.map { overrides[$0] ?? validCells[$0]! }.joined(separator: ",")
    }

    /// A whole file: the header of `columns`, then the rows.
    static func file(_ rows: [String], columns: [Column] = Column.allCases) -> String {
        ([columns.map(\.name).joined(separator: ",")] + rows).joined(separator: "\n") + "\n"
    }

    /// Reads CSV text held in memory.
    static func read(_ text: String, policy: InvalidRowPolicy = .reject, file: String = "batch.csv") throws(BatchError) -> ParsedBatch {
        try BatchReader(policy: policy).read(bytes: Array(text.utf8), fileName: file)
    }

    /// The error reading `text` throws, or nil if it reads.
    static func error(_ text: String, policy: InvalidRowPolicy = .reject) -> BatchError? {
        do {
            _ = try read(text, policy: policy)
            return nil
        } catch {
            return error
        }
    }
}
