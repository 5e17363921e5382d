import Foundation
import GRDB
import ShopperCore

extension ShopperStore {
    /// Every version, oldest first.
    package func versions() throws(StoreError) -> [StoreVersion] {
        try read { db in try Self.versions(db, whereClause: "", arguments: []) }
    }

    /// The newest version, 0 for an empty store.
    package func currentVersion() throws(StoreError) -> Int {
        try read { db in try Self.currentVersion(db) }
    }

    /// One version's record.
    package func version(_ number: Int) throws(StoreError) -> StoreVersion {
        let found = try read { db in try Self.versions(db, whereClause: "WHERE version = ?", arguments: [number]).first }
        guard let found else { throw .unknownVersion(number, current: try currentVersion()) }
        return found
    }

    /// The version that holds the batch with this SHA-256, if any.
    package func version(sha256: String) throws(StoreError) -> StoreVersion? {
        try read { db in try Self.version(db, sha256: sha256) }
    }

    static func currentVersion(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT MAX(version) FROM batches") ?? 0
    }

    static func version(_ db: Database, sha256: String) throws -> StoreVersion? {
        try versions(db, whereClause: "WHERE sha256 = ?", arguments: [sha256]).first
    }

    static func versions(_ db: Database, whereClause: String, arguments: StatementArguments) throws -> [StoreVersion] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT version, file_name, byte_size, sha256, received_at, ingested_at, is_labelled, row_count, labelled_count,
                positive_count, duplicate_count, quarantined_count, header, unknown_columns, policy, peak_months,
                first_row_id, last_row_id
            FROM batches \(whereClause) ORDER BY version
            """, arguments: arguments)
        return try rows.map { row in
            StoreVersion(
                version: row["version"], fileName: row["file_name"], byteSize: row["byte_size"], sha256: row["sha256"],
                receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                ingestedAt: Date(timeIntervalSince1970: row["ingested_at"]),
                isLabelled: row["is_labelled"], rowCount: row["row_count"], labelledCount: row["labelled_count"], positiveCount: row["positive_count"],
                duplicateCount: row["duplicate_count"], quarantinedCount: row["quarantined_count"],
                header: try JSONText.decode([String].self, from: row["header"]),
                unknownColumns: try JSONText.decode([String].self, from: row["unknown_columns"]),
                policy: InvalidRowPolicy(rawValue: row["policy"]) ?? .reject,
                peakMonths: try JSONText.decode([String].self, from: row["peak_months"]).compactMap { Month(parsing: $0) },
                firstRowID: row["first_row_id"], lastRowID: row["last_row_id"])
        }
    }

    /// The last row id of versions 1…`version` (0 for version 0), checking the version exists.
    static func lastRowID(_ db: Database, asOf version: Int?) throws -> (version: Int, lastRowID: Int) {
        let current = try currentVersion(db)
        let target = version ?? current
        guard target >= 0 && target <= current else { throw StoreError.unknownVersion(target, current: current) }
        if target == 0 { return (0, 0) }
        return (target, try Int.fetchOne(db, sql: "SELECT last_row_id FROM batches WHERE version = ?", arguments: [target]) ?? 0)
    }

    /// The row-id range of versions `from`…`through`, checking both exist.
    static func rowRange(_ db: Database, from: Int, through: Int) throws -> ClosedRange<Int>? {
        let current = try currentVersion(db)
        for v in [from, through] where v < 1 || v > current { throw StoreError.unknownVersion(v, current: current) }
        guard from <= through else { return nil }
        let first = try Int.fetchOne(db, sql: "SELECT first_row_id FROM batches WHERE version = ?", arguments: [from]) ?? 0
        let last = try Int.fetchOne(db, sql: "SELECT last_row_id FROM batches WHERE version = ?", arguments: [through]) ?? 0
        return first...last
    }
}
