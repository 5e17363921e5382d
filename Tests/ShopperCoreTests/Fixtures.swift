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
