import Foundation
import GRDB
import ShopperCore

extension ShopperStore {
    /// Stores a read batch as a new version: bronze, silver, gold and quarantined rows, in one
    /// transaction. A batch whose SHA-256 is already stored writes nothing and returns its version.
    ///
    /// - Parameters:
    ///   - receivedAt: when the batch arrived (recorded in bronze).
    ///   - gold: what gold derivation depends on (peak months); recorded with the version.
    package func ingest(
        _ batch: ParsedBatch, receivedAt: Date, gold: GoldFeatures.Configuration = .standard
    ) throws(StoreError) -> IngestResult {
        try transaction { try $0.ingest(batch, receivedAt: receivedAt, gold: gold) }
    }

    static func insertBatch(_ db: Database, _ v: StoreVersion) throws {
        try db.execute(
            sql: """
                INSERT INTO batches (version, file_name, byte_size, sha256, received_at, ingested_at, is_labelled,
                    row_count, labelled_count, positive_count, duplicate_count, quarantined_count, header, unknown_columns, policy,
                    peak_months, first_row_id, last_row_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                v.version, v.fileName, v.byteSize, v.sha256, v.receivedAt.timeIntervalSince1970,
                v.ingestedAt.timeIntervalSince1970, v.isLabelled, v.rowCount, v.labelledCount, v.positiveCount, v.duplicateCount,
                v.quarantinedCount, try JSONText.encode(v.header), try JSONText.encode(v.unknownColumns),
                v.policy.rawValue, try JSONText.encode(v.peakMonths.map(\.name)), v.firstRowID, v.lastRowID,
            ])
    }

    /// The hot loop: three prepared INSERTs, bound through SQLite's C API, one row of each per record.
    static func insertRows(
        _ db: Database, _ batch: ParsedBatch, version: Int, firstRowID: Int, gold configuration: GoldFeatures.Configuration
    ) throws {
        let bronze = try RawStatement(db, sql: "INSERT INTO bronze_rows (id, version, line, raw) VALUES (?, ?, ?, ?)")
        let silver = try RawStatement(db, sql: """
            INSERT INTO silver_rows (id, version, line, duplicate_of_line, administrative, administrative_duration,
                informational, informational_duration, product_related, product_related_duration, bounce_rates,
                exit_rates, page_values, special_day, month, operating_systems, browser, region, traffic_type,
                visitor_type, weekend, revenue)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let gold = try RawStatement(db, sql: """
            INSERT INTO gold_rows (id, version, is_returning_visitor, page_value_exit_rate_ratio, is_peak_shopping_season,
                total_duration, total_pages, has_page_value, avg_seconds_per_page, is_near_special_day)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let monthNames = Month.allCases.map { Array($0.name.utf8) }
        let visitorNames = VisitorType.allCases.map { Array($0.rawValue.utf8) }
        try batch.withRawRecords { bytes, starts, ends in
            for index in 0..<batch.rowCount {
                let id = firstRowID + index
                let line = batch.lines[index]
                let s = batch.sessions[index]

                bronze.bind(1, id)
                bronze.bind(2, version)
                bronze.bind(3, line)
                bronze.bindText(4, UnsafeBufferPointer(rebasing: bytes[starts[index]..<ends[index]]))
                try bronze.execute()

                silver.bind(1, id)
                silver.bind(2, version)
                silver.bind(3, line)
                silver.bind(4, batch.duplicateOfLine[index])
                silver.bind(5, s.administrative)
                silver.bind(6, s.administrativeDuration)
                silver.bind(7, s.informational)
                silver.bind(8, s.informationalDuration)
                silver.bind(9, s.productRelated)
                silver.bind(10, s.productRelatedDuration)
                silver.bind(11, s.bounceRates)
                silver.bind(12, s.exitRates)
                silver.bind(13, s.pageValues)
                silver.bind(14, s.specialDay)
                try monthNames[s.month.rawValue - 1].withUnsafeBufferPointer { name in
                    silver.bindText(15, name)
                    silver.bind(16, s.operatingSystems)
                    silver.bind(17, s.browser)
                    silver.bind(18, s.region)
                    silver.bind(19, s.trafficType)
                    try visitorNames[VisitorType.allCases.firstIndex(of: s.visitorType)!].withUnsafeBufferPointer { visitor in
                        silver.bindText(20, visitor)
                        silver.bind(21, s.weekend)
                        silver.bind(22, s.revenue)
                        try silver.execute()
                    }
                }

                let g = GoldFeatures(session: s, configuration: configuration)
                gold.bind(1, id)
                gold.bind(2, version)
                gold.bind(3, g.isReturningVisitor)
                gold.bind(4, g.pageValueExitRateRatio)
                gold.bind(5, g.isPeakShoppingSeason)
                gold.bind(6, g.totalDuration)
                gold.bind(7, g.totalPages)
                gold.bind(8, g.hasPageValue)
                gold.bind(9, g.averageSecondsPerPage)
                gold.bind(10, g.isNearSpecialDay)
                try gold.execute()
            }
        }
    }

    static func insertQuarantined(_ db: Database, _ rows: [QuarantinedRow], version: Int) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.makeStatement(sql: "INSERT INTO quarantined_rows (version, line, raw, issues) VALUES (?, ?, ?, ?)")
        for row in rows {
            try statement.execute(arguments: [version, row.line, row.rawText, try JSONText.encode(row.issues)])
        }
    }
}
