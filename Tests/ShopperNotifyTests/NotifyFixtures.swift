import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
@testable import ShopperPipeline
import ShopperNotify
import ShopperTestSupport
import Testing

/// Real material for the messages: a drift check of 300 November sessions of the bundled data
/// against its February–July sessions (a real `DriftReport`, a real `DriftHTMLReport`), inside a
/// batch report shaped as the pipeline writes it.
enum NotifyFixtures {
    static let bundledFile = URL(fileURLWithPath: Command.repositoryRoot + "/data/online_shoppers_intention.csv")

    struct DriftCase: Sendable {
        let report: DriftReport
        let html: String
    }

    static let drift: DriftCase = {
        let sessions = (try? BatchReader().read(contentsOf: bundledFile).sessions) ?? []
        let febToJul: Set<Month> = [.feb, .mar, .apr, .may, .jun, .jul]
        let reference = DriftReference(sessions: sessions.filter { febToJul.contains($0.month) })
        let november = Array(sessions.filter { $0.month == .nov }.prefix(300))
        // The detector only fails on an invalid configuration; the default one is valid.
        let report = try! DriftDetector().check(november, against: reference)
        return DriftCase(report: report, html: DriftAttachment.html(report: report, reference: reference, current: november, input: "nov.csv"))
    }()

    static func batchReport(input: String = "nov.csv", decision: BatchDecision = .retrainPromoted) -> BatchReport {
        let paired = PairedComparison(
            metric: .rocAUC, test: "delong", champion: 0.8123, challenger: 0.8634, difference: 0.0511, standardError: 0.0201,
            confidence: 0.9, intervalLow: 0.018, intervalHigh: 0.0842, pValueWorse: 0.0004, pValueTwoSided: 0.011,
            alpha: 0.05, margin: 0.01, passed: true, rule: "promote unless the challenger is significantly worse by more than 0.01")
        return BatchReport(
            jobID: "job-41", input: input, rows: 300, labelled: true, storeVersion: 7, duplicateRowsInBatch: 1,
            quarantinedRows: 0, quarantinedIssues: [], quarantinedIssueCount: 0, labelledRows: 300, unknownColumns: [],
            decision: decision, reason: "critical drift in 9 behavioural features; challenger v5 not worse than v4",
            drift: drift.report,
            realised: .init(modelVersion: 4, rows: 300, positives: 41, threshold: 0.37, rocAUC: 0.7712, recall: 0.61,
                            precision: 0.48, ece: 0.031, brier: 0.094, validationROCAUC: 0.9105, margin: 0.05, triggered: true),
            evidence: nil,
            models: .init(serving: 5, championBefore: 4, challenger: 5,
                          evaluation: .init(metric: .rocAUC, rows: 120, positives: 19, champion: 0.8123, challenger: 0.8634,
                                            tolerance: 0.01, promoted: true, trainingRows: 4880, pairedTest: paired)),
            predictionsFile: input.hasSuffix(".csv") ? String(input.dropLast(4)) + ".predictions.csv" : nil,
            timingsMS: .init(read: 1.5, validate: 4.25, drift: 38.5, retrain: 5120.75, score: 12.5, commit: 20.5, total: 5198.0),
            processedAt: "2026-03-01T12:00:00.250Z")
    }

    static func batchNotice(id: Int64 = 41, input: String = "nov.csv", attach: Bool = true) -> Notice {
        Notice(kind: .batch, id: id, occurredAt: Date(timeIntervalSince1970: 1_772_366_400), host: "shop-01.example.com",
               batch: batchReport(input: input), outboxDirectory: "/var/lib/shopperd/outbox",
               driftReportHTML: attach ? drift.html : nil)
    }

    static func rejection(input: String) -> RejectionReport {
        RejectionReport(
            jobID: "job-42", input: input, outcome: "rejected", reason: "2 rows break the schema",
            issues: [ValidationIssue(file: input, line: 3, column: "Month", value: "Smarch", reason: "not a month name"),
                     ValidationIssue(file: input, line: 9, column: "BounceRates", value: "<b>2</b>", reason: "not a number")],
            issueCount: 2, duplicateOf: nil, keptAs: "/var/lib/shopperd/quarantine/42.data", processedAt: "2026-03-01T12:05:00.000Z")
    }

    static let settings = MailSettings(from: "shopperd@shop-01.example.com", to: ["ops@example.com", "ml-team@example.com"])

    /// An executable script written through a close-on-exec descriptor (see EventHookTests: a plain
    /// write could leak the writable descriptor into a process spawned at that moment).
    static func script(_ temp: TemporaryDirectory, _ name: String, _ body: String) throws -> String {
        let path = temp.file(name)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw TestFailure("cannot create \(path)") }
        let text = Array(("#!/bin/sh\n" + body + "\n").utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == text.count else { throw TestFailure("short write to \(path)") }
        return path
    }

    static func hasProgram(_ name: String) -> Bool {
        ["/usr/bin/", "/usr/local/bin/", "/bin/", "/root/.pyenv/shims/"].contains { FileManager.default.isExecutableFile(atPath: $0 + name) }
    }
}

/// Python's `email` package reading a rendered message back: the MIME tree, the headers (decoded
/// from RFC 2047 by Python, not by us), each part's decoded bytes, and any defects it found.
struct ParsedMail: Decodable {
    struct Part: Decodable {
        var type: String
        var filename: String?
        var disposition: String?
        var charset: String?
        var transferEncoding: String?
        var base64: String?
        var parts: [Part]?
        var defects: [String]

        enum CodingKeys: String, CodingKey {
            case type, filename, disposition, charset, base64, parts, defects
            case transferEncoding = "transfer_encoding"
        }

        var bytes: [UInt8] { base64.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var leaves: [Part] { parts.map { $0.flatMap(\.leaves) } ?? [self] }
    }

    var headers: [[String]]
    var subject: String
    var root: Part

    func header(_ name: String) -> [String] { headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] } }

    static let script = #"""
import base64, email, email.header, json, sys
from email import policy
raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=policy.compat32)
def walk(part):
    node = {"type": part.get_content_type(), "filename": part.get_filename(), "disposition": part.get_content_disposition(),
            "charset": part.get_content_charset(), "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "defects": [type(d).__name__ for d in part.defects]}
    if part.is_multipart():
        node["parts"] = [walk(p) for p in part.get_payload()]
    else:
        node["base64"] = base64.b64encode(part.get_payload(decode=True)).decode()
    return node
decode = lambda v: str(email.header.make_header(email.header.decode_header(v)))
out = {"headers": [[k, decode(v)] for k, v in msg.items()], "subject": decode(msg["Subject"]), "root": walk(msg)}
print(json.dumps(out))
"""#

    static func parse(_ bytes: [UInt8]) async throws -> ParsedMail {
        let temp = try TemporaryDirectory("mail")
        try Data(bytes).write(to: URL(fileURLWithPath: temp.file("message.eml")))
        try temp.write("parse.py", script)
        let run = try await Command.run("/usr/bin/env", ["python3", temp.file("parse.py"), temp.file("message.eml")])
        guard run.status == 0 else { throw TestFailure("python3 could not parse the message: \(run.stderr)") }
        return try JSONDecoder().decode(ParsedMail.self, from: Data(run.stdout.utf8))
    }
}
