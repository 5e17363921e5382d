import Foundation
import ShopperCore

/// One version of the store: the batch that created it and what it holds.
///
/// Versions are numbered 1, 2, … in ingest order; version N's data is every row added by versions
/// 1…N (rows are append-only). Version 0 is the empty store.
package struct StoreVersion: Sendable, Hashable, Codable {
    package var version: Int
    /// The batch's file name.
    package var fileName: String
    package var byteSize: Int
    /// SHA-256 of the file's bytes (lowercase hex): the batch's identity.
    package var sha256: String
    /// When the batch arrived (given by the caller: the inbox event time, or now).
    package var receivedAt: Date
    /// When the store committed it.
    package var ingestedAt: Date
    /// Whether at least one of its rows has a label (`Revenue` TRUE or FALSE; see
    /// `ParsedBatch.isLabelled`).
    package var isLabelled: Bool
    /// Silver rows added (valid rows, duplicates included).
    package var rowCount: Int
    /// Rows with a label; the others had `Revenue` blank (or no `Revenue` column).
    package var labelledCount: Int
    /// Rows with Revenue TRUE.
    package var positiveCount: Int
    /// Rows flagged as exact duplicates of an earlier row of the same batch.
    package var duplicateCount: Int
    /// Rows set aside under `quarantine-rows`.
    package var quarantinedCount: Int
    /// The header as written.
    package var header: [String]
    /// Header names that are not columns of the schema.
    package var unknownColumns: [String]
    /// The invalid-row policy the batch was read with.
    package var policy: InvalidRowPolicy
    /// The months gold counted as peak season for this batch.
    @MonthNames package var peakMonths: [Month]
    /// The store-wide ids of this version's rows in bronze, silver and gold (same id in each).
    package var firstRowID: Int
    package var lastRowID: Int

    enum CodingKeys: String, CodingKey {
        case version
        case fileName = "file"
        case byteSize = "byte_size"
        case sha256
        case receivedAt = "received_at"
        case ingestedAt = "ingested_at"
        case isLabelled = "labelled"
        case rowCount = "rows"
        case labelledCount = "labelled_rows"
        case positiveCount = "positives"
        case duplicateCount = "duplicates"
        case quarantinedCount = "quarantined"
        case header
        case unknownColumns = "unknown_columns"
        case policy
        case peakMonths = "peak_months"
        case firstRowID = "first_row_id"
        case lastRowID = "last_row_id"
    }

    package init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        fileName = try c.decode(String.self, forKey: .fileName)
        byteSize = try c.decode(Int.self, forKey: .byteSize)
        sha256 = try c.decode(String.self, forKey: .sha256)
        receivedAt = try c.decode(Date.self, forKey: .receivedAt)
        ingestedAt = try c.decode(Date.self, forKey: .ingestedAt)
        isLabelled = try c.decode(Bool.self, forKey: .isLabelled)
        rowCount = try c.decode(Int.self, forKey: .rowCount)
        // Absent in JSON written before partially labelled batches: then all rows or none were.
        labelledCount = try c.decodeIfPresent(Int.self, forKey: .labelledCount) ?? (isLabelled ? rowCount : 0)
        positiveCount = try c.decode(Int.self, forKey: .positiveCount)
        duplicateCount = try c.decode(Int.self, forKey: .duplicateCount)
        quarantinedCount = try c.decode(Int.self, forKey: .quarantinedCount)
        header = try c.decode([String].self, forKey: .header)
        unknownColumns = try c.decode([String].self, forKey: .unknownColumns)
        policy = try c.decode(InvalidRowPolicy.self, forKey: .policy)
        _peakMonths = try c.decode(MonthNames.self, forKey: .peakMonths)
        firstRowID = try c.decode(Int.self, forKey: .firstRowID)
        lastRowID = try c.decode(Int.self, forKey: .lastRowID)
    }

    package init(
        version: Int, fileName: String, byteSize: Int, sha256: String, receivedAt: Date, ingestedAt: Date,
        isLabelled: Bool, rowCount: Int, labelledCount: Int, positiveCount: Int, duplicateCount: Int, quarantinedCount: Int,
        header: [String], unknownColumns: [String], policy: InvalidRowPolicy, peakMonths: [Month],
        firstRowID: Int, lastRowID: Int
    ) {
        self.version = version
        self.fileName = fileName
        self.byteSize = byteSize
        self.sha256 = sha256
        self.receivedAt = receivedAt
        self.ingestedAt = ingestedAt
        self.isLabelled = isLabelled
        self.rowCount = rowCount
        self.labelledCount = labelledCount
        self.positiveCount = positiveCount
        self.duplicateCount = duplicateCount
        self.quarantinedCount = quarantinedCount
        self.header = header
        self.unknownColumns = unknownColumns
        self.policy = policy
        self.peakMonths = peakMonths
        self.firstRowID = firstRowID
        self.lastRowID = lastRowID
    }
}

/// What `ingest` did.
package enum IngestResult: Sendable, Hashable {
    /// The batch is now this new version.
    case created(StoreVersion)
    /// A batch with the same SHA-256 is already this version: nothing was written.
    case alreadyIngested(StoreVersion)

    /// The version holding the batch, new or old.
    package var version: StoreVersion {
        switch self {
        case .created(let version), .alreadyIngested(let version): version
        }
    }

    package var isNew: Bool {
        if case .created = self { return true }
        return false
    }
}
