import Foundation
import Testing
import ShopperPipeline

/// The inbox-level cases of the hostile-input corpus (`Tests/HostileInputs/manifest.json`, made by
/// `make-cases.py`; generator semantics in docs/reliability-fuzzing.md), as the daemon's
/// end-to-end driver reads them.
struct HostileInboxCase: Decodable, Sendable {
    /// How the entry is made. Which fields a kind uses is documented in docs/reliability-fuzzing.md.
    struct Generator: Decodable, Sendable {
        var kind: String
        var name: String?
        /// The name as raw bytes in hex (names that are not UTF-8).
        var nameBytes: String?
        var size: Int?
        var fill: String?
        var newline: Bool?
        var prefix: String?
        /// Daemon settings for this case (`max-file-bytes`).
        var config: [String: Int]?
        var source: String?
        var minSize: Int?
        var writer: String?
        var major: Int?
        var minor: Int?
        var contains: [String]?
        var target: String?
        var targetContent: String?
        var content: String?
        var then: String?
        var writes: [String]?
        var first: String?
        var second: String?
        var count: Int?
    }

    /// A `rows` figure: a count, or a phrase (`every row appended`).
    enum Rows: Decodable, Sendable, Equatable {
        case count(Int)
        case phrase(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let count = try? container.decode(Int.self) { self = .count(count) } else { self = .phrase(try container.decode(String.self)) }
        }
    }

    /// What follows a `wait`.
    struct Then: Decodable, Sendable {
        var expect: String
        var rows: Rows?
    }

    var name: String
    var level: String
    var group: String?
    var generator: Generator?
    var description: String
    var expect: String
    var reason: String?
    var then: Then?

    /// The entry's name in the inbox, as bytes.
    var entryName: [UInt8]? {
        guard let generator else { return nil }
        if let hex = generator.nameBytes { return HostileInboxCorpus.bytes(hex: hex) }
        return generator.name.map { Array($0.utf8) }
    }
}

enum HostileInboxCorpus {
    static let directory = IngestEndToEndTests.root.appendingPathComponent("Tests/HostileInputs")

    struct Manifest: Decodable {
        var cases: [HostileInboxCase]
    }

    /// The manifest's inbox-level cases, in manifest order.
    static func load() throws -> [HostileInboxCase] {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
            .cases.filter { $0.level == "inbox" }
    }

    /// A corpus file's bytes (`cases/valid-lf.csv`).
    static func file(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { index -> UInt8? in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
        }.reduce(into: [UInt8]?.some([])) { result, byte in
            if let byte, result != nil { result!.append(byte) } else { result = nil }
        }
    }
}

/// The generator kinds the driver knows; a manifest kind outside this list has no driver.
enum HostileInboxKind: String, CaseIterable, Sendable {
    case bytes, copyRepeated = "copy-repeated", sparse, fifo, charDevice = "char-device", socket, directory, symlink, hardlink
    case file, openWriter = "open-writer", replace, many
}

/// The pieces an `open-writer` writes before pausing, and what it does when it resumes; the
/// manifest's phrases, each with its driver.
enum WriterStep: String, CaseIterable, Sendable {
    case header = "header"
    case halfOfRowOne = "half of row 1"
    case rowsOneToFiveRepeated = "rows 1-5 repeated 400 times"
    case finishRowsOneToThree = "write the rest of rows 1-3, close"
    case appendRowOneForThreeSeconds = "append row 1 every 10 ms for 3 s, then close"
    case truncateToEndOfRowTwo = "ftruncate to the end of row 2 while still open, close"
}

/// One daemon's worth of cases. Cases share a daemon when they need the same settings and their
/// accepted contents differ (the store refuses a second batch with the same SHA-256 as a
/// duplicate, and most cases deliver the same 5-row `valid-lf.csv`).
struct HostileInboxGroup: Sendable, CustomTestStringConvertible {
    let name: String
    /// `--set` settings for the daemon; equal to the union of its cases' `config`.
    let settings: [String: Int]
    let cases: [String]

    var testDescription: String { name }

    static let all: [HostileInboxGroup] = [
        HostileInboxGroup(name: "special-files", settings: [:], cases: [
            "fifo", "fifo-with-writer", "character-device", "unix-socket", "directory", "symlink-outside-valid",
            "symlink-outside-secret", "symlink-dangling", "symlink-inside-inbox", "symlink-to-directory", "hardlink-outside",
        ]),
        HostileInboxGroup(name: "large", settings: ["max-file-bytes": 268_435_456], cases: [
            "single-line-200mb", "commas-200mb", "sparse-8gib", "name-with-newline",
        ]),
        HostileInboxGroup(name: "writers", settings: [:], cases: [
            "still-being-written", "grows-while-read", "truncated-while-read", "hidden-name",
        ]),
        HostileInboxGroup(name: "size-limit-64k", settings: ["max-file-bytes": 65_536], cases: ["over-size-limit", "name-with-spaces"]),
        HostileInboxGroup(name: "burst", settings: [:], cases: ["burst-of-empty-files", "name-leading-dash"]),
        HostileInboxGroup(name: "partial-suffix", settings: [:], cases: ["partial-suffix"]),
        HostileInboxGroup(name: "non-utf8-name", settings: [:], cases: ["name-non-utf8"]),
        HostileInboxGroup(name: "formula-name", settings: [:], cases: ["name-formula"]),
        HostileInboxGroup(name: "longest-name", settings: [:], cases: ["name-255-bytes"]),
        HostileInboxGroup(name: "replaced", settings: [:], cases: ["replaced-while-read"]),
    ]
}
