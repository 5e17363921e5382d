import Foundation
import ShopperCore

/// A silver row with where it came from.
package struct StoredSession: Sendable, Hashable {
    /// The store version that added the row.
    package var version: Int
    /// The 1-based line of the row in its batch file.
    package var line: Int
    /// The line of an earlier identical row in the same batch, if any (duplicates are kept, flagged).
    package var duplicateOfLine: Int?
    package var session: Session

    package init(version: Int, line: Int, duplicateOfLine: Int?, session: Session) {
        self.version = version
        self.line = line
        self.duplicateOfLine = duplicateOfLine
        self.session = session
    }
}

/// A gold row: the session with its derived features, ready for a model.
package struct GoldRecord: Sendable, Hashable {
    package var version: Int
    package var line: Int
    package var row: FeatureRow

    package init(version: Int, line: Int, row: FeatureRow) {
        self.version = version
        self.line = line
        self.row = row
    }
}

/// A bronze row: a data record exactly as received.
package struct BronzeRecord: Sendable, Hashable, Codable {
    package var version: Int
    package var fileName: String
    package var line: Int
    package var rawText: String

    package init(version: Int, fileName: String, line: Int, rawText: String) {
        self.version = version
        self.fileName = fileName
        self.line = line
        self.rawText = rawText
    }
}

/// A row quarantined when its batch was ingested, with its reasons.
package struct StoredQuarantinedRow: Sendable, Hashable, Codable {
    package var version: Int
    package var line: Int
    package var rawText: String
    package var issues: [ValidationIssue]

    package init(version: Int, line: Int, rawText: String, issues: [ValidationIssue]) {
        self.version = version
        self.line = line
        self.rawText = rawText
        self.issues = issues
    }
}
