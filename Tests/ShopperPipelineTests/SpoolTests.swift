import Foundation
import Testing
@testable import ShopperInbox
@testable import ShopperPipeline
import ShopperTestSupport

@Suite struct SpoolTests {
    @Test func claimMovesTheFileAndRemembersItsName() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        try temp.write("inbox/sessions 1.csv", "a,b\n1,2\n")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))

        let entry = try #require(try spool.claim(InboxFileName("sessions 1.csv")!))
        #expect(temp.entries("inbox") == [".shopperd"])
        #expect(try String(contentsOfFile: spool.dataPath(entry), encoding: .utf8) == "a,b\n1,2\n")
        #expect(try spool.pending() == [entry])
        #expect(try spool.pending().first?.name == InboxFileName("sessions 1.csv")!)
    }

    @Test func claimingAVanishedFileGivesNil() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        #expect(try spool.claim(InboxFileName("gone.csv")!) == nil)
        #expect(try spool.pending().isEmpty)
        #expect(temp.entries("inbox/.shopperd/claimed").isEmpty)
    }

    @Test func aFileStillOpenForWritingIsLeftInTheInboxUntilItsWriterCloses() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        let writer = open(inbox + "/slow.csv", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        #expect(writer >= 0)
        #expect(write(writer, "a,b\n1,", 6) == 6)  // the header and half a row, then a pause

        #expect(WriterLease.probe(InboxFileName.Path(directory: inbox, name: InboxFileName("slow.csv")!)) == .writerOpen)
        #expect(try spool.claim(InboxFileName("slow.csv")!) == nil)
        #expect(temp.entries("inbox").sorted() == [".shopperd", "slow.csv"])
        #expect(temp.entries("inbox/.shopperd/claimed").isEmpty)  // no sidecar left behind

        #expect(write(writer, "2\n", 2) == 2)
        close(writer)
        let entry = try #require(try spool.claim(InboxFileName("slow.csv")!))
        #expect(try String(contentsOfFile: spool.dataPath(entry), encoding: .utf8) == "a,b\n1,2\n")
    }

    @Test func aReadOnlyDescriptorDoesNotHoldTheClaimBack() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        try temp.write("inbox/done.csv", "a,b\n1,2\n")
        let reader = open(inbox + "/done.csv", O_RDONLY | O_CLOEXEC)
        defer { close(reader) }
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        #expect(try spool.claim(InboxFileName("done.csv")!) != nil)
    }

    @Test func aHardLinkIsQuarantinedAsANoteNeverAsAnotherNameOfTheFile() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        try temp.write("outside.csv", "secret\n")
        #expect(link(temp.file("outside.csv"), inbox + "/hard.csv") == 0)
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        let entry = try #require(try spool.claim(InboxFileName("hard.csv")!))
        #expect(try InputFile.read(path: spool.dataPath(entry), maxBytes: 1000) == .refused(.hardLink(links: 2)))
        let promised = spool.quarantinePath(entry)
        let kept = try spool.quarantine(entry)
        #expect(kept == promised && kept.hasSuffix(".csv.txt"))
        #expect(try String(contentsOfFile: kept, encoding: .utf8).hasPrefix("a hard link"))
        var info = stat()
        #expect(lstat(temp.file("outside.csv"), &info) == 0 && info.st_nlink == 1)
        #expect(try String(contentsOfFile: temp.file("outside.csv"), encoding: .utf8) == "secret\n")
        #expect(try spool.pending().isEmpty)
    }

    /// The state directory on another file system (a separate mount under the hardened unit): a
    /// regular file is copied into `quarantine/`, anything else leaves a note — and the path the
    /// rejection report promises (`kept_as`) is the one written.
    @Test(.enabled(if: getuid() == 0, "mounts a tmpfs: needs root"))
    func acrossFileSystemsAFileIsCopiedAndAFIFOLeavesTheNoteThatWasPromised() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let state = try temp.subdirectory("state")
        #expect(mount("tmpfs", state, "tmpfs", 0, "size=1m") == 0, "mount tmpfs: errno \(errno)")
        defer { umount(state) }
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: state)
        try temp.write("inbox/file.csv", "a,b\n")
        #expect(mkfifo(inbox + "/pipe.csv", 0o644) == 0)
        let file = try #require(try spool.claim(InboxFileName("file.csv")!))
        let pipe = try #require(try spool.claim(InboxFileName("pipe.csv")!))

        let promisedFile = spool.quarantinePath(file), promisedPipe = spool.quarantinePath(pipe)
        #expect(try spool.quarantine(file) == promisedFile && promisedFile.hasSuffix("--file.csv"))
        #expect(try String(contentsOfFile: promisedFile, encoding: .utf8) == "a,b\n")
        #expect(try spool.quarantine(pipe) == promisedPipe && promisedPipe.hasSuffix("--pipe.csv.txt"))
        #expect(try String(contentsOfFile: promisedPipe, encoding: .utf8).hasPrefix("not a regular file"))
        #expect(try spool.pending().isEmpty && temp.entries("inbox/.shopperd/claimed").isEmpty)
    }

    @Test func aSymlinkIsClaimedAsALinkAndQuarantinedWithoutFollowingIt() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        try temp.write("secret", "do not read")
        try FileManager.default.createSymbolicLink(atPath: inbox + "/link.csv", withDestinationPath: temp.file("secret"))
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        let entry = try #require(try spool.claim(InboxFileName("link.csv")!))
        #expect(try InputFile.read(path: spool.dataPath(entry), maxBytes: 1000) == .refused(.symbolicLink))
        let kept = try spool.quarantine(entry)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: kept) == temp.file("secret"))
        #expect(try String(contentsOfFile: temp.file("secret"), encoding: .utf8) == "do not read")
    }

    @Test func pendingIsInArrivalOrderAndSurvivesARestart() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        var claimed: [SpoolEntry] = []
        for name in ["c.csv", "a.csv", "b.csv"] {
            try temp.write("inbox/" + name, name)
            claimed.append(try #require(try spool.claim(InboxFileName(name)!)))
        }
        let reopened = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        #expect(try reopened.pending().map(\.name.description) == ["c.csv", "a.csv", "b.csv"])
        #expect(try reopened.pending() == claimed)
    }

    @Test func aSidecarWithoutDataIsACrashBeforeTheMoveAndIsDropped() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        try temp.write("inbox/.shopperd/claimed/00000000000000000001.name", "x.csv")
        #expect(try spool.pending().isEmpty)
        #expect(temp.entries("inbox/.shopperd/claimed").isEmpty)
    }

    @Test func archiveAndQuarantineEmptyTheSpool() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        try temp.write("inbox/good.csv", "ok")
        try temp.write("inbox/-bad name.csv", "bad")
        let good = try #require(try spool.claim(InboxFileName("good.csv")!))
        let bad = try #require(try spool.claim(InboxFileName("-bad name.csv")!))
        let archived = try spool.archive(good)
        let quarantined = try spool.quarantine(bad)
        #expect(archived.hasSuffix("/archive/\(good.id)--good.csv"))
        #expect(quarantined.hasSuffix("/quarantine/\(bad.id)--_-bad_name.csv"))
        #expect(try String(contentsOfFile: quarantined, encoding: .utf8) == "bad")
        #expect(temp.entries("inbox/.shopperd/claimed").isEmpty)
        #expect(try spool.pending().isEmpty)
    }

    @Test func nonUTF8NamesAreClaimedByTheirBytes() throws {
        let temp = try TemporaryDirectory()
        let inbox = try temp.subdirectory("inbox")
        let name = InboxFileName(bytes: Array("bad".utf8) + [0xff, 0x0a] + Array(".csv".utf8))!
        let fd = InboxFileName.Path(directory: inbox, name: name).withCString { open($0, O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        close(fd)
        let spool = try Spool(inboxDirectory: inbox, stateDirectory: temp.file("state"))
        let entry = try #require(try spool.claim(name))
        #expect(try spool.pending().first?.name == name)
        #expect(entry.name.outboxStem == "bad__")
        #expect(temp.entries("inbox") == [".shopperd"])
    }

    @Test func idsIncreaseStrictly() {
        let ids = (0..<1000).map { _ in Spool.nextID() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 20 })
    }
}
