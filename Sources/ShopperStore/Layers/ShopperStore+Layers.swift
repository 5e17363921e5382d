import Foundation
import GRDB
import ShopperCore

/// Reading the layers, as of a version (time travel) or over a range of versions.
///
/// Versions are contiguous ranges of row ids (see `Schema`), so every read here is a range scan of
/// a primary key, whatever the store's size.
extension ShopperStore {
    /// Silver rows of versions 1…`version` (default: the current version), in ingest order.
    package func sessions(asOf version: Int? = nil, limit: Int? = nil) throws(StoreError) -> [StoredSession] {
        try read { db in
            let (_, last) = try Self.lastRowID(db, asOf: version)
            return try Self.silver(db, range: 1...max(1, last), labelledOnly: false, limit: last == 0 ? 0 : limit)
        }
    }

    /// Silver rows added by versions `from`…`through` (inclusive), in ingest order.
    package func sessions(fromVersion from: Int, throughVersion through: Int) throws(StoreError) -> [StoredSession] {
        try read { db in
            guard let range = try Self.rowRange(db, from: from, through: through) else { return [] }
            return try Self.silver(db, range: range, labelledOnly: false, limit: nil)
        }
    }

    /// The labelled silver rows added by versions `from`…`through`: training data.
    package func labelledSessions(fromVersion from: Int, throughVersion through: Int) throws(StoreError) -> [StoredSession] {
        try read { db in
            guard let range = try Self.rowRange(db, from: from, through: through) else { return [] }
            return try Self.silver(db, range: range, labelledOnly: true, limit: nil)
        }
    }

    /// Gold rows (session and features, as stored) of versions 1…`version`, in ingest order.
    package func gold(asOf version: Int? = nil, limit: Int? = nil) throws(StoreError) -> [GoldRecord] {
        try read { db in
            let (_, last) = try Self.lastRowID(db, asOf: version)
            return try Self.gold(db, range: 1...max(1, last), labelledOnly: false, limit: last == 0 ? 0 : limit)
        }
    }

    /// Gold rows added by versions `from`…`through`; only labelled ones if `labelledOnly`.
    package func gold(fromVersion from: Int, throughVersion through: Int, labelledOnly: Bool = false) throws(StoreError) -> [GoldRecord] {
        try read { db in
            guard let range = try Self.rowRange(db, from: from, through: through) else { return [] }
            return try Self.gold(db, range: range, labelledOnly: labelledOnly, limit: nil)
        }
    }

    /// Bronze rows (records as received) of versions 1…`version`, in ingest order.
    package func bronze(asOf version: Int? = nil, limit: Int? = nil) throws(StoreError) -> [BronzeRecord] {
        try read { db in
            let (_, last) = try Self.lastRowID(db, asOf: version)
            let statement = try RawStatement(db, sql: """
                SELECT b.version, v.file_name, b.line, b.raw FROM bronze_rows b JOIN batches v ON v.version = b.version
                WHERE b.id <= ? ORDER BY b.id LIMIT ?
                """)
            statement.bind(1, last)
            statement.bind(2, limit ?? -1)
            var records: [BronzeRecord] = []
            while try statement.step() {
                records.append(BronzeRecord(version: statement.int(0), fileName: statement.text(1),
                                            line: statement.int(2), rawText: statement.text(3)))
            }
            return records
        }
    }

    /// Rows quarantined by versions 1…`version`, with their reasons.
    package func quarantined(asOf version: Int? = nil) throws(StoreError) -> [StoredQuarantinedRow] {
        try read { db in
            let (target, _) = try Self.lastRowID(db, asOf: version)
            return try Row.fetchAll(db, sql: "SELECT version, line, raw, issues FROM quarantined_rows WHERE version <= ? ORDER BY id",
                                    arguments: [target]).map { row in
                StoredQuarantinedRow(version: row["version"], line: row["line"], rawText: row["raw"],
                                     issues: try JSONText.decode([ValidationIssue].self, from: row["issues"]))
            }
        }
    }

    // MARK: - Row decoding

    static let silverColumns = """
        s.version, s.line, s.duplicate_of_line, s.administrative, s.administrative_duration, s.informational,
        s.informational_duration, s.product_related, s.product_related_duration, s.bounce_rates, s.exit_rates,
        s.page_values, s.special_day, s.month, s.operating_systems, s.browser, s.region, s.traffic_type,
        s.visitor_type, s.weekend, s.revenue
        """

    static func silver(_ db: Database, range: ClosedRange<Int>, labelledOnly: Bool, limit: Int?) throws -> [StoredSession] {
        let statement = try RawStatement(db, sql: """
            SELECT \(silverColumns) FROM silver_rows s
            WHERE s.id BETWEEN ? AND ? \(labelledOnly ? "AND s.revenue IS NOT NULL" : "") ORDER BY s.id LIMIT ?
            """)
        statement.bind(1, range.lowerBound)
        statement.bind(2, range.upperBound)
        statement.bind(3, limit ?? -1)
        var rows: [StoredSession] = []
        rows.reserveCapacity(min(range.count, limit ?? range.count))
        while try statement.step() {
            rows.append(StoredSession(version: statement.int(0), line: statement.int(1),
                                      duplicateOfLine: statement.optionalInt(2), session: try session(statement, from: 3)))
        }
        return rows
    }

    static func gold(_ db: Database, range: ClosedRange<Int>, labelledOnly: Bool, limit: Int?) throws -> [GoldRecord] {
        let statement = try RawStatement(db, sql: """
            SELECT \(silverColumns), g.is_returning_visitor, g.page_value_exit_rate_ratio, g.is_peak_shopping_season,
                g.total_duration, g.total_pages, g.has_page_value, g.avg_seconds_per_page, g.is_near_special_day
            FROM silver_rows s JOIN gold_rows g ON g.id = s.id
            WHERE s.id BETWEEN ? AND ? \(labelledOnly ? "AND s.revenue IS NOT NULL" : "") ORDER BY s.id LIMIT ?
            """)
        statement.bind(1, range.lowerBound)
        statement.bind(2, range.upperBound)
        statement.bind(3, limit ?? -1)
        var rows: [GoldRecord] = []
        rows.reserveCapacity(min(range.count, limit ?? range.count))
        while try statement.step() {
            let session = try session(statement, from: 3)
            let gold = GoldFeatures(
                isReturningVisitor: statement.bool(21), pageValueExitRateRatio: statement.double(22),
                isPeakShoppingSeason: statement.bool(23), totalDuration: statement.double(24),
                totalPages: statement.int(25), hasPageValue: statement.bool(26),
                averageSecondsPerPage: statement.double(27), isNearSpecialDay: statement.bool(28))
            rows.append(GoldRecord(version: statement.int(0), line: statement.int(1),
                                   row: FeatureRow(session: session, gold: gold)))
        }
        return rows
    }

    /// Decodes the 18 silver columns starting at result column `first`.
    private static func session(_ s: RawStatement, from first: Int32) throws -> Session {
        guard let month = Month(utf8: s.textBytes(first + 10)),
              let visitorType = VisitorType(utf8: s.textBytes(first + 15))
        else { throw StoreError.database("silver row with an unknown month or visitor type: the database was edited by hand?") }
        return Session(
            administrative: s.int(first), administrativeDuration: s.double(first + 1),
            informational: s.int(first + 2), informationalDuration: s.double(first + 3),
            productRelated: s.int(first + 4), productRelatedDuration: s.double(first + 5),
            bounceRates: s.double(first + 6), exitRates: s.double(first + 7), pageValues: s.double(first + 8),
            specialDay: s.double(first + 9), month: month, operatingSystems: s.int(first + 11),
            browser: s.int(first + 12), region: s.int(first + 13), trafficType: s.int(first + 14),
            visitorType: visitorType, weekend: s.bool(first + 16), revenue: s.optionalBool(first + 17))
    }
}
