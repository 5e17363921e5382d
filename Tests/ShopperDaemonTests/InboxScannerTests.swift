import Foundation
import Testing
@testable import ShopperInbox
import ShopperDaemon
import ShopperTestSupport

/// Listing what waits in a real directory: order, filter, exact names.
@Suite struct InboxScannerTests {
    @Test func waitingEntriesComeOldestFirstThenByNameWithTheSameFilter() throws {
        let inbox = try TemporaryDirectory("inbox")
        let entries: [([UInt8], Int, Int)] = [
            (Array("c.csv".utf8), 300, 0),
            (Array("b.csv".utf8), 200, 5),
            (Array("a.csv".utf8), 200, 5),             // same mtime as b: name decides
            (Array("early-ns.csv".utf8), 200, 4),      // nanoseconds count
            ([0xFF] + Array("binary.csv".utf8), 100, 0),
            (Array("new\nline.csv".utf8), 400, 0),
            (Array(".hidden.csv".utf8), 1, 0),
            (Array("x.csv.tmp".utf8), 1, 0),
            (Array("y.csv.part".utf8), 1, 0),
        ]
        for (name, seconds, nanoseconds) in entries {
            try FileOps.write(inbox.bytes(of: name), "x")
            try FileOps.setModificationTime(inbox.bytes(of: name), seconds: seconds, nanoseconds: nanoseconds)
        }
        let pending = try InboxScanner(directory: inbox.path).entries().map(\.name)
        #expect(pending.map(\.bytes) == [
            [0xFF] + Array("binary.csv".utf8), Array("early-ns.csv".utf8), Array("a.csv".utf8),
            Array("b.csv".utf8), Array("c.csv".utf8), Array("new\nline.csv".utf8),
        ])
    }

    @Test func nonRegularEntriesAreListedForThePipelineToReject() throws {
        let inbox = try TemporaryDirectory("inbox")
        #expect(symlink("/etc/passwd", inbox.file("link.csv")) == 0)
        #expect(mkfifo(inbox.file("fifo.csv"), 0o600) == 0)
        #expect(mkdir(inbox.file("dir.csv"), 0o700) == 0)
        for (index, name) in ["link.csv", "fifo.csv", "dir.csv"].enumerated() {
            try FileOps.setModificationTime(Array(inbox.file(name).utf8), seconds: 1_000 + index)
        }
        let entries = try InboxScanner(directory: inbox.path).entries()
        #expect(entries.map(\.name.string) == ["link.csv", "fifo.csv", "dir.csv"])
        // The symlink's own time, not its target's (lstat semantics).
        #expect(entries[0].modifiedSeconds == 1_000)
    }

    @Test func anEmptyInboxHasNothingWaitingAndAMissingOneIsAnError() throws {
        let inbox = try TemporaryDirectory("inbox")
        #expect(try InboxScanner(directory: inbox.path).entries().isEmpty)
        #expect(throws: InboxError.cannotOpen(directory: inbox.file("missing"), errno: ENOENT)) {
            try InboxScanner(directory: inbox.file("missing")).entries()
        }
    }
}
