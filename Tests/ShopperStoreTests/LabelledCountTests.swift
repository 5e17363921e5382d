import Foundation
import GRDB
import ShopperCore
import Testing
@testable import ShopperStore

/// A batch may label some rows only, so a version records how many rows have a
/// label; `is_labelled` alone (at least one) counted a half-labelled batch's every row as training data
/// in `status`.
@Suite struct LabelledCountTests {
    @Test func aPartiallyLabelledVersionCountsItsLabelledRows() throws {
        let temporary = try TemporaryStore()
        let rows = [StoreFixtures.row(pages: 1, revenue: "TRUE"), StoreFixtures.row(pages: 2, revenue: ""),
                    StoreFixtures.row(pages: 3, revenue: "FALSE"), StoreFixtures.row(pages: 4, revenue: " ")]
        let text = ([StoreFixtures.labelledHeader] + rows).joined(separator: "\n") + "\n"
        let batch = try BatchReader().read(bytes: Array(text.utf8), fileName: "partial.csv")
        guard case .created(let version) = try temporary.store.ingest(batch, receivedAt: Date()) else {
            Issue.record("not created")
            return
        }
        #expect(version.rowCount == 4 && version.labelledCount == 2 && version.isLabelled && version.positiveCount == 1)
        #expect(try temporary.store.sessions().count == 4)
        #expect(try temporary.store.labelledSessions(fromVersion: 1, throughVersion: 1).map(\.session.productRelated) == [1, 3])
        // In JSON (`versions --format json`) as `labelled_rows`, and back.
        let json = try JSONEncoder().encode(version)
        #expect(String(decoding: json, as: UTF8.self).contains("\"labelled_rows\":2"))
        #expect(try JSONDecoder().decode(StoreVersion.self, from: json) == version)
    }

    /// A store written before the count existed: every labelled version was labelled on every row.
    @Test func theMigrationCountsOldVersionsFromTheirLabelFlag() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("shopperd.sqlite").path)
        try Schema.migrator.migrate(queue, upTo: "v4 mlflow mirror")
        try queue.write { db in
            for (version, labelled) in [(1, true), (2, false)] {
                try db.execute(sql: """
                    INSERT INTO batches (version, file_name, byte_size, sha256, received_at, ingested_at, is_labelled, row_count,
                        positive_count, duplicate_count, quarantined_count, header, unknown_columns, policy, peak_months,
                        first_row_id, last_row_id)
                    VALUES (?, 'f.csv', 1, ?, 0, 0, ?, 7, 0, 0, 0, '[]', '[]', 'reject', '[]', ?, ?)
                    """, arguments: [version, "sha\(version)", labelled, version * 10, version * 10 + 6])
            }
        }
        try queue.close()
        let store = try ShopperStore.open(directory: directory)
        #expect(try store.versions().map(\.labelledCount) == [7, 0])
    }
}
