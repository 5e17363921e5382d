import Foundation
import ShopperCore
@testable import ShopperStore

/// Temporary stores and small batches for the store tests. Every store is a real SQLite file in a
/// fresh temporary directory.
final class TemporaryStore {
    let directory: URL
    private(set) var store: ShopperStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-store-\(UUID().uuidString)")
        store = try ShopperStore.open(directory: directory)
    }

    /// Opens the same database again, as a restarted process would.
    func reopen() throws {
        store = try ShopperStore.open(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

enum StoreFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundledData = repositoryRoot.appendingPathComponent("data/online_shoppers_intention.csv")

    static let labelledHeader = Column.allCases.map(\.name).joined(separator: ",")
    static let unlabelledHeader = Column.inputs.map(\.name).joined(separator: ",")

    /// A labelled row in published order; `pages` sets ProductRelated so rows are tellable apart.
    static func row(pages: Int, month: String = "Mar", revenue: String? = "FALSE") -> String {
        var cells = ["1", "10.5", "0", "0", String(pages), "120.25", "0.01", "0.02", "5.5", "0", month, "2", "2", "3", "4",
                     "Returning_Visitor", "FALSE"]
        if let revenue { cells.append(revenue) }
        return cells.joined(separator: ",")
    }

    static func batch(
        _ name: String, pages: [Int], labelled: Bool = true, extra: [String] = [], policy: InvalidRowPolicy = .reject
    ) throws -> ParsedBatch {
        let rows = pages.map { row(pages: $0, revenue: labelled ? ($0 % 2 == 0 ? "TRUE" : "FALSE") : nil) } + extra
        let text = ([labelled ? labelledHeader : unlabelledHeader] + rows).joined(separator: "\n") + "\n"
        return try BatchReader(policy: policy).read(bytes: Array(text.utf8), fileName: name)
    }
}
