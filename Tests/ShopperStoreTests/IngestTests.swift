import ShopperInbox
import Foundation
import GRDB
import ShopperCore
import Testing
@testable import ShopperStore

@Suite struct IngestTests {
    @Test func bundledFileBecomesVersionOneWithAllLayers() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let batch = try BatchReader().read(contentsOf: StoreFixtures.bundledData)
        let received = Date(timeIntervalSince1970: 1_700_000_000.25)
        let result = try store.ingest(batch, receivedAt: received)
        guard case .created(let version) = result else {
            Issue.record("not created: \(result)")
            return
        }
        #expect(version.version == 1)
        #expect(version.rowCount == 12_330 && version.positiveCount == 1_908 && version.duplicateCount == 125)
        #expect(version.receivedAt == received)
        #expect(version.sha256 == "d8e130ba51532985f93281a73ce299e6ce150cb915769a7962a11e595eadd6a1")
        #expect(version.byteSize == 1_059_732)
        #expect(try store.currentVersion() == 1)

        let silver = try store.sessions()
        #expect(silver.count == 12_330)
        #expect(silver.filter { $0.session.revenue == true }.count == 1_908)
        #expect(silver.map(\.session) == batch.sessions)
        #expect(silver.map(\.line) == batch.lines)
        #expect(silver.filter { $0.duplicateOfLine != nil }.count == 125)
        #expect(silver.map(\.duplicateOfLine) == batch.duplicateOfLine)

        let bronze = try store.bronze()
        #expect(bronze.count == 12_330)
        #expect(bronze[0].rawText == batch.rawRecord(at: 0))
        #expect(bronze[12_329].rawText == batch.rawRecord(at: 12_329))
        #expect(bronze.allSatisfy { $0.fileName == "online_shoppers_intention.csv" && $0.version == 1 })

        let gold = try store.gold()
        #expect(gold.count == 12_330)
        for (record, session) in zip(gold, batch.sessions) where record.row.gold != GoldFeatures(session: session) {
            Issue.record("gold of line \(record.line) differs from its derivation")
        }
        #expect(gold.map(\.row.session) == batch.sessions)
    }

    @Test func reingestingTheSameContentIsANoOp() throws {
        let temporary = try TemporaryStore()
        let first = try temporary.store.ingest(try StoreFixtures.batch("a.csv", pages: [1, 2, 3]), receivedAt: Date())
        // Same bytes under another name: same content hash.
        let again = try temporary.store.ingest(try StoreFixtures.batch("renamed.csv", pages: [1, 2, 3]), receivedAt: Date())
        #expect(first.isNew)
        #expect(again == .alreadyIngested(first.version))
        #expect(try temporary.store.versions().count == 1)
        #expect(try temporary.store.sessions().count == 3)
        #expect(try temporary.store.version(sha256: first.version.sha256)?.version == 1)
        #expect(try temporary.store.version(sha256: String(repeating: "0", count: 64)) == nil)
    }

    @Test func timeTravelReturnsOldRowsAfterLaterVersions() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        _ = try store.ingest(try StoreFixtures.batch("v1.csv", pages: [1, 2, 3]), receivedAt: Date())
        _ = try store.ingest(try StoreFixtures.batch("v2.csv", pages: [10, 11], labelled: false), receivedAt: Date())
        _ = try store.ingest(try StoreFixtures.batch("v3.csv", pages: [20, 21, 22, 23]), receivedAt: Date())

        #expect(try store.sessions(asOf: 1).map(\.session.productRelated) == [1, 2, 3])
        #expect(try store.sessions(asOf: 2).map(\.session.productRelated) == [1, 2, 3, 10, 11])
        #expect(try store.sessions(asOf: 3).count == 9)
        #expect(try store.sessions().count == 9)
        #expect(try store.sessions(asOf: 0).isEmpty)
        #expect(try store.sessions(asOf: 2).map(\.version) == [1, 1, 1, 2, 2])
        #expect(try store.gold(asOf: 1).map(\.row.gold.totalPages) == [2, 3, 4])
        #expect(try store.bronze(asOf: 2).map(\.fileName) == ["v1.csv", "v1.csv", "v1.csv", "v2.csv", "v2.csv"])
        #expect(try store.sessions(asOf: 3, limit: 2).count == 2)
        #expect(try store.gold(asOf: 3, limit: 0).isEmpty)

        #expect(try store.sessions(fromVersion: 2, throughVersion: 2).map(\.session.productRelated) == [10, 11])
        #expect(try store.sessions(fromVersion: 2, throughVersion: 2).allSatisfy { $0.session.revenue == nil })
        #expect(try store.labelledSessions(fromVersion: 1, throughVersion: 3).map(\.session.productRelated) == [1, 2, 3, 20, 21, 22, 23])
        #expect(try store.gold(fromVersion: 2, throughVersion: 3, labelledOnly: true).map(\.row.session.productRelated) == [20, 21, 22, 23])

        #expect(throws: StoreError.unknownVersion(4, current: 3)) { try store.sessions(asOf: 4) }
        #expect(throws: StoreError.unknownVersion(0, current: 3)) { try store.labelledSessions(fromVersion: 0, throughVersion: 2) }
        #expect(throws: StoreError.unknownVersion(7, current: 3)) { try store.version(7) }
        #expect(try store.version(2).isLabelled == false)
    }

    @Test func quarantinedRowsAreStoredWithTheirReasons() throws {
        let temporary = try TemporaryStore()
        let batch = try StoreFixtures.batch("q.csv", pages: [1, 2], extra: [StoreFixtures.row(pages: -4)], policy: .quarantineRows)
        let version = try temporary.store.ingest(batch, receivedAt: Date()).version
        #expect(version.rowCount == 2 && version.quarantinedCount == 1 && version.policy == .quarantineRows)
        let quarantined = try temporary.store.quarantined()
        #expect(quarantined.count == 1)
        #expect(quarantined[0].line == 4)
        #expect(quarantined[0].rawText == StoreFixtures.row(pages: -4))
        #expect(quarantined[0].issues.map(\.column) == ["ProductRelated"])
        #expect(quarantined[0].issues[0].reason.contains("negative"))
        #expect(try temporary.store.quarantined(asOf: 0).isEmpty)
    }

    @Test func storeSurvivesReopeningAndRecordsItsMigrations() throws {
        let temporary = try TemporaryStore()
        _ = try temporary.store.ingest(try StoreFixtures.batch("a.csv", pages: [5, 6], labelled: false), receivedAt: Date())
        let before = try temporary.store.versions()
        try temporary.reopen()
        #expect(try temporary.store.versions() == before)
        #expect(try temporary.store.sessions().map(\.session.productRelated) == [5, 6])
        let queue = try DatabaseQueue(path: temporary.store.path)
        let migrations = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(migrations == Schema.migrator.migrations)
        #expect(Array(migrations.prefix(2)) == ["v1 medallion layers", "v2 model registry, predictions, performance"])
        let mode = try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(FileManager.default.fileExists(atPath: temporary.directory.appendingPathComponent("shopperd.sqlite").path))
    }

    @Test func goldRecordsThePeakMonthsUsed() throws {
        let temporary = try TemporaryStore()
        let batch = try StoreFixtures.batch("m.csv", pages: [1])
        let version = try temporary.store.ingest(batch, receivedAt: Date(), gold: .init(peakMonths: [.mar])).version
        #expect(version.peakMonths == [.mar])
        #expect(try temporary.store.gold()[0].row.gold.isPeakShoppingSeason)  // the row's month is Mar
    }

    @Test func versionJSONUsesStableKeysAndMonthNames() throws {
        let temporary = try TemporaryStore()
        let version = try temporary.store.ingest(try StoreFixtures.batch("j.csv", pages: [1]), receivedAt: Date()).version
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(version), as: UTF8.self)
        #expect(json.contains("\"peak_months\":[\"Nov\",\"Dec\"]"))
        for key in ["version", "file", "rows", "labelled", "received_at", "ingested_at", "sha256", "quarantined", "duplicates"] {
            #expect(json.contains("\"\(key)\":"), "\(key)")
        }
        #expect(try JSONDecoder().decode(StoreVersion.self, from: Data(json.utf8)) == version)
    }

    @Test func openingAnUnwritableDirectoryFailsClearly() {
        #expect {
            _ = try ShopperStore.open(directory: URL(fileURLWithPath: "/proc/shopperd-cannot-be-here"))
        } throws: { error in
            guard let error = error as? StoreError, case .cannotOpen = error else { return false }
            return error.description.contains("--state")
        }
    }
}
