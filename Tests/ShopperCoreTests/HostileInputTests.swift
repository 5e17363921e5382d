import ShopperInbox
import Foundation
import Testing
import ShopperCore

/// One case of the committed hostile-input corpus (`Tests/HostileInputs/manifest.json`, made by
/// `Tests/HostileInputs/make-cases.py`; field semantics in docs/reliability-fuzzing.md).
struct HostileCase: Decodable, Sendable, CustomTestStringConvertible {
    /// How an inbox-level case is produced; only its kind is checked here (the daemon's end-to-end
    /// tests read the rest).
    struct Generator: Decodable, Sendable {
        var kind: String
        /// Files of the corpus the generator copies (paths relative to Tests/HostileInputs).
        var source: String?
        var content: String?
        var targetContent: String?
        var first: String?
        var second: String?
        var writer: String?
        var contains: [String]?

        var corpusFiles: [String] {
            ([source, content, targetContent, first, second, writer].compactMap { $0 } + (contains ?? []))
        }
    }

    /// What follows a `wait`.
    struct Then: Decodable, Sendable {
        var expect: String
    }

    var name: String
    var level: String
    var file: String?
    var generator: Generator?
    var description: String
    var expect: String
    var reason: String?
    var policy: String?
    var maxBytes: Int?
    var rows: Int?
    var quarantined: Int?
    var duplicates: Int?
    var labelled: Bool?
    var unknownColumns: [String]?
    var unknownColumnCount: Int?
    var formulaCells: [String]?
    var then: Then?

    var testDescription: String { name }
}

/// The manifest, read once from the repository.
enum HostileCorpus {
    static let directory = Fixtures.repositoryRoot.appendingPathComponent("Tests/HostileInputs")

    struct Manifest: Decodable {
        var format: String
        var version: Int
        var cases: [HostileCase]
    }

    static func load() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
    }

    /// The reader-level cases (empty if the manifest cannot be read; `manifestIsWellFormed` then fails).
    static let readerCases: [HostileCase] = ((try? load())?.cases ?? []).filter { $0.level == "reader" }
}

/// Every reader-level hostile input, as a real file read through `BatchReader.read(contentsOf:)`:
/// the expected outcome, the reason (with line, column and value where a cell is at fault), and
/// nothing partial: a rejected file yields no rows under the policy given, an accepted one only rows
/// that satisfy the schema and write back safely.
@Suite struct HostileInputTests {
    @Test(arguments: HostileCorpus.readerCases)
    func readerCase(_ hostile: HostileCase) throws {
        let path = try #require(hostile.file, "a reader case names its file")
        let url = HostileCorpus.directory.appendingPathComponent(path)
        let policy = try #require(InvalidRowPolicy(rawValue: hostile.policy ?? "reject"), "unknown policy")
        let reader = BatchReader(policy: policy, maxBytes: hostile.maxBytes)
        let outcome: Result<ParsedBatch, BatchError>
        do {
            outcome = .success(try reader.read(contentsOf: url))
        } catch {
            outcome = .failure(error)
        }
        // Reading the same bytes from memory decides the same way (the daemon reads through its own
        // hardened file reader, then calls read(bytes:)).
        let bytes = try [UInt8](Data(contentsOf: url))
        if hostile.maxBytes == nil {
            switch (outcome, Result { try reader.read(bytes: bytes, fileName: url.lastPathComponent) }) {
            case (.success(let a), .success(let b)): #expect(a.sessions == b.sessions && a.sha256 == b.sha256)
            case (.failure(let a), .failure(let b)): #expect(a == b as? BatchError)
            default: Issue.record("reading from the file and from memory disagree")
            }
        }

        switch hostile.expect {
        case "rejected":
            guard case .failure(let error) = outcome else {
                Issue.record("accepted, expected a rejection containing \(hostile.reason ?? "?")")
                return
            }
            let reason = try #require(hostile.reason, "a rejected case names its reason")
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(error.file == url.lastPathComponent)
            #expect(!error.issues.isEmpty && !error.advice.isEmpty)
        case "accepted":
            guard case .success(let batch) = outcome else {
                Issue.record("rejected: \(outcome)")
                return
            }
            check(batch, against: hostile)
        default:
            Issue.record("a reader case is accepted or rejected, not \(hostile.expect)")
        }
    }

    private func check(_ batch: ParsedBatch, against hostile: HostileCase) {
        #expect(batch.rowCount > 0)
        if let rows = hostile.rows { #expect(batch.rowCount == rows) }
        #expect(batch.quarantined.count == hostile.quarantined ?? 0)
        if let duplicates = hostile.duplicates { #expect(batch.duplicateCount == duplicates) }
        #expect(batch.isLabelled == hostile.labelled ?? true)
        if let unknown = hostile.unknownColumns { #expect(batch.unknownColumns == unknown) }
        if let count = hostile.unknownColumnCount { #expect(batch.unknownColumns.count == count) }
        for session in batch.sessions {
            let quantities = [session.administrativeDuration, session.informationalDuration, session.productRelatedDuration,
                              session.pageValues, session.bounceRates, session.exitRates, session.specialDay]
            #expect(quantities.allSatisfy { $0.isFinite && $0 >= 0 && $0.sign == .plus && $0 <= Session.largestQuantity })
            #expect([session.bounceRates, session.exitRates, session.specialDay].allSatisfy { $0 <= 1 })
            #expect([session.administrative, session.informational, session.productRelated].allSatisfy { (0...Session.largestCount).contains($0) })
            #expect([session.operatingSystems, session.browser, session.region, session.trafficType].allSatisfy { $0 > 0 })
            for feature in GoldFeatures.Feature.allCases {
                #expect(GoldFeatures(session: session).value(feature).isFinite)
            }
        }
        // What shopperd writes from these rows never starts a cell with a formula trigger, and reads back.
        let written = SessionCSV.encode(batch.sessions, labelled: batch.isLabelled)
        for line in written.split(separator: "\n") {
            for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                #expect(cell.unicodeScalars.first.map { !CSVWriter.formulaTriggers.contains($0) } ?? true, "cell \(cell)")
            }
        }
        #expect((try? BatchReader().read(bytes: Array(written.utf8), fileName: "again.csv").sessions) == batch.sessions)
        // Formula-looking text kept in bronze is neutralised whenever a CSV cell holds it.
        for formula in hostile.formulaCells ?? [] {
            let asWritten = formula.replacingOccurrences(of: "\"", with: "\"\"")  // quotes doubled inside a quoted cell
            #expect((0..<batch.rowCount).contains { batch.rawRecord(at: $0).contains(asWritten) }
                        || batch.unknownColumns.contains(formula), "\(formula) not kept")
            let escaped = CSVWriter.escape(formula)
            #expect(escaped.hasPrefix("'") || escaped.hasPrefix("\"'"), "\(formula) written as \(escaped)")
        }
    }

    /// The manifest itself: enough cases, unique names, each with what its level needs, every
    /// committed file used exactly once.
    @Test func manifestIsWellFormed() throws {
        let manifest = try HostileCorpus.load()
        #expect(manifest.format == "shopperd-hostile-inputs" && manifest.version == 1)
        let cases = manifest.cases
        #expect(cases.count >= 60)
        #expect(Set(cases.map(\.name)).count == cases.count, "duplicate case names")
        #expect(HostileCorpus.readerCases.count == cases.filter { $0.level == "reader" }.count)
        let kinds: Set<String> = ["bytes", "copy-repeated", "sparse", "fifo", "char-device", "socket", "directory", "symlink",
                                  "hardlink", "file", "open-writer", "replace", "many"]
        for hostile in cases {
            #expect(["rejected", "accepted", "wait"].contains(hostile.expect), "\(hostile.name)")
            #expect(!hostile.description.isEmpty, "\(hostile.name) says what it is")
            if hostile.expect == "rejected" { #expect(!(hostile.reason ?? "").isEmpty, "\(hostile.name) names its reason") }
            if hostile.expect == "wait" { #expect(hostile.then != nil || !hostile.description.isEmpty, "\(hostile.name)") }
            switch hostile.level {
            case "reader":
                #expect(hostile.file != nil && hostile.generator == nil, "\(hostile.name)")
            case "inbox":
                let generator = try #require(hostile.generator, "\(hostile.name) has a generator")
                #expect(kinds.contains(generator.kind), "\(hostile.name): unknown generator kind \(generator.kind)")
                for file in generator.corpusFiles {
                    #expect(FileManager.default.fileExists(atPath: HostileCorpus.directory.appendingPathComponent(file).path),
                            "\(hostile.name) copies \(file)")
                }
            default:
                Issue.record("\(hostile.name): unknown level \(hostile.level)")
            }
        }
        let listed = cases.compactMap(\.file).sorted()
        let committed = try FileManager.default.contentsOfDirectory(atPath: HostileCorpus.directory.appendingPathComponent("cases").path)
            .map { "cases/" + $0 }.sorted()
        #expect(listed == committed, "every file in cases/ is a case and every case's file exists")
    }
}
