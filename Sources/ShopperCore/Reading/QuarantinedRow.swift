/// A data record set aside under the `quarantine-rows` policy, with everything wrong with it.
package struct QuarantinedRow: Sendable, Hashable, Codable {
    /// The 1-based physical line where the record starts.
    package var line: Int
    /// The record exactly as written, without its line terminator (invalid UTF-8 replaced by U+FFFD).
    package var rawText: String
    /// Every problem found in the record (at least one).
    package var issues: [ValidationIssue]

    package init(line: Int, rawText: String, issues: [ValidationIssue]) {
        self.line = line
        self.rawText = rawText
        self.issues = issues
    }
}
