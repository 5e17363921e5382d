/// A data record set aside under the `quarantine-rows` policy, with everything wrong with it.
public struct QuarantinedRow: Sendable, Hashable, Codable {
    /// The 1-based physical line where the record starts.
    public var line: Int
    /// The record exactly as written, without its line terminator (invalid UTF-8 replaced by U+FFFD).
    public var rawText: String
    /// Every problem found in the record (at least one).
    public var issues: [ValidationIssue]

    public init(line: Int, rawText: String, issues: [ValidationIssue]) {
        self.line = line
        self.rawText = rawText
        self.issues = issues
    }
}
