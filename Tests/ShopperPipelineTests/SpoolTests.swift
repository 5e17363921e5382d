import Foundation
import Testing
@testable import ShopperPipeline

@Suite struct SpoolTests {
    @Test func claimMovesTheFileAndRemembersItsName() throws {
        let temp = TempDirectory()
        let inbox = try temp.subdirectory("inbox")
        try temp.write("inbox/sessions 1.csv", "a,b\n1,2\n")
        let spool = try Spool(stateDirectory: temp.file("state"))

        let entry = try #require(try spool.claim(inboxDirectory: inbox, name: InputName("sessions 1.csv")))
        #expect(temp.entries("inbox").isEmpty)
        #expect(try String(contentsOfFile: spool.dataPath(entry), encoding: .utf8) == "a,b\n1,2\n")
        #expect(try spool.pending() == [entry])
        #expect(try spool.pending().first?.name == InputName("sessions 1.csv"))
    }

    @Test func claimingAVanishedFileGivesNil() throws {
        let temp = TempDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(stateDirectory: temp.file("state"))
        #expect(try spool.claim(inboxDirectory: inbox, name: InputName("gone.csv")) == nil)
        #expect(try spool.pending().isEmpty)
        #expect(temp.entries("state/spool").isEmpty)
    }

    @Test func pendingIsInArrivalOrderAndSurvivesARestart() throws {
        let temp = TempDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(stateDirectory: temp.file("state"))
        var claimed: [SpoolEntry] = []
        for name in ["c.csv", "a.csv", "b.csv"] {
            try temp.write("inbox/" + name, name)
            claimed.append(try #require(try spool.claim(inboxDirectory: inbox, name: InputName(name))))
        }
        let reopened = try Spool(stateDirectory: temp.file("state"))
        #expect(try reopened.pending().map(\.name.description) == ["c.csv", "a.csv", "b.csv"])
        #expect(try reopened.pending() == claimed)
    }

    @Test func aSidecarWithoutDataIsACrashBeforeTheMoveAndIsDropped() throws {
        let temp = TempDirectory()
        let spool = try Spool(stateDirectory: temp.file("state"))
        try temp.write("state/spool/00000000000000000001.name", "x.csv")
        #expect(try spool.pending().isEmpty)
        #expect(temp.entries("state/spool").isEmpty)
    }

    @Test func archiveAndQuarantineEmptyTheSpool() throws {
        let temp = TempDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(stateDirectory: temp.file("state"))
        try temp.write("inbox/good.csv", "ok")
        try temp.write("inbox/-bad name.csv", "bad")
        let good = try #require(try spool.claim(inboxDirectory: inbox, name: InputName("good.csv")))
        let bad = try #require(try spool.claim(inboxDirectory: inbox, name: InputName("-bad name.csv")))
        let archived = try spool.archive(good)
        let quarantined = try spool.quarantine(bad)
        #expect(archived.hasSuffix("/archive/\(good.id)--good.csv"))
        #expect(quarantined.hasSuffix("/quarantine/\(bad.id)--_-bad_name.csv"))
        #expect(try String(contentsOfFile: quarantined, encoding: .utf8) == "bad")
        #expect(temp.entries("state/spool").isEmpty)
        #expect(try spool.pending().isEmpty)
    }

    @Test func nonUTF8NamesAreClaimedByTheirBytes() throws {
        let temp = TempDirectory()
        let inbox = try temp.subdirectory("inbox")
        let name = InputName(bytes: Array("bad".utf8) + [0xff, 0x0a] + Array(".csv".utf8))
        let fd = withCPath(inbox, name.bytes) { open($0, O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        close(fd)
        let spool = try Spool(stateDirectory: temp.file("state"))
        let entry = try #require(try spool.claim(inboxDirectory: inbox, name: name))
        #expect(try spool.pending().first?.name == name)
        #expect(entry.name.outboxStem == "bad__")
        #expect(temp.entries("inbox").isEmpty)
    }

    @Test func idsIncreaseStrictly() {
        let ids = (0..<1000).map { _ in Spool.nextID() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 20 })
    }
}
