import Foundation
import ShopperCore

/// A silver row with where it came from.
public struct StoredSession: Sendable, Hashable {
    /// The store version that added the row.
    public var version: Int
    /// The 1-based line of the row in its batch file.
    public var line: Int
    /// The line of an earlier identical row in the same batch, if any (duplicates are kept, flagged).
    public var duplicateOfLine: Int?
    public var session: Session

    public init(version: Int, line: Int, duplicateOfLine: Int?, session: Session) {
        self.version = version
        self.line = line
        self.duplicateOfLine = duplicateOfLine
        self.session = session
    }
}

/// A gold row: the session with its derived features, ready for a model.
public struct GoldRecord: Sendable, Hashable {
    public var version: Int
    public var line: Int
    public var row: FeatureRow

    public init(version: Int, line: Int, row: FeatureRow) {
        self.version = version
        self.line = line
        self.row = row
    }
}

/// A bronze row: a data record exactly as received.
public struct BronzeRecord: Sendable, Hashable, Codable {
    public var version: Int
    public var fileName: String
    public var line: Int
    public var rawText: String

    public init(version: Int, fileName: String, line: Int, rawText: String) {
        self.version = version
        self.fileName = fileName
        self.line = line
        self.rawText = rawText
    }
}

/// A row quarantined when its batch was ingested, with its reasons.
public struct StoredQuarantinedRow: Sendable, Hashable, Codable {
    public var version: Int
    public var line: Int
    public var rawText: String
    public var issues: [ValidationIssue]

    public init(version: Int, line: Int, rawText: String, issues: [ValidationIssue]) {
        self.version = version
        self.line = line
        self.rawText = rawText
        self.issues = issues
    }
}
