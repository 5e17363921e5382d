import Dispatch
import Foundation
import Testing
@testable import ShopperInbox
@testable import ShopperDaemon
import ShopperPipeline
import ShopperTestSupport

/// The watcher on a real directory with real writers. Each test ends its scenario with a
/// "sentinel" arrival, so it can assert what did *not* arrive without sleeping.
@Suite struct InotifyWatcherTests {
    @Test func completeFilesArriveAndUnfinishedNamesAreIgnoredUntilRenamed() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let watcher = try InotifyWatcher(directory: inbox.path)
        let events = EventCollector(watcher.events)

        try FileOps.write(inbox.file("in-place.csv"), "a,b\n")           // IN_CLOSE_WRITE
        try FileOps.write(inbox.file("b.csv.tmp"), "x")                  // ignored...
        try FileOps.rename(inbox.file("b.csv.tmp"), inbox.file("b.csv")) // ...until renamed
        try FileOps.write(inbox.file(".c.csv"), "x")
        try FileOps.rename(inbox.file(".c.csv"), inbox.file("c.csv"))
        try FileOps.write(inbox.file("d.csv.part"), "x")
        try FileOps.rename(inbox.file("d.csv.part"), inbox.file("d.csv"))
        try FileOps.write(inbox.file(".hidden"), "x")
        try FileOps.write(inbox.file("zz-sentinel.csv"), "x")

        #expect(await events.waitFor(events.arrived("zz-sentinel.csv")))
        #expect(events.events == ["in-place.csv", "b.csv", "c.csv", "d.csv", "zz-sentinel.csv"].map(events.arrived))
    }

    @Test func aFileStillOpenForWritingArrivesOnlyWhenClosed() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let watcher = try InotifyWatcher(directory: inbox.path)
        let events = EventCollector(watcher.events)
        let fd = open(inbox.file("growing.csv"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        _ = write(fd, "half a ro", 9)
        try FileOps.write(inbox.file("sentinel-1.csv"), "x")
        #expect(await events.waitFor(events.arrived("sentinel-1.csv")))
        #expect(events.events == [events.arrived("sentinel-1.csv")])
        _ = write(fd, "w\n", 2)
        close(fd)
        #expect(await events.waitFor(events.arrived("growing.csv")))
    }

    @Test func hostileNamesArriveWithTheirExactBytes() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let watcher = try InotifyWatcher(directory: inbox.path)
        let events = EventCollector(watcher.events)
        let names: [[UInt8]] = [
            Array("new\nline.csv".utf8), Array(" spaced  name .csv".utf8), Array("-rf --help.csv".utf8),
            [0xFF, 0xFE, 0x80] + Array(".csv".utf8), Array("日本語.csv".utf8),
        ]
        for name in names { try FileOps.write(inbox.bytes(of: name), "x") }
        let expected = names.map { InboxEvent.arrived(InboxFileName(bytes: $0)!) }
        #expect(await events.waitFor(expected.last!))
        #expect(events.events == expected)
    }

    @Test func entriesCompleteOnCreationArriveSoTheyGetAnOutcome() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let outside = try TemporaryDirectory("outside")
        try FileOps.write(outside.file("secret"), "s")
        let watcher = try InotifyWatcher(directory: inbox.path)
        let events = EventCollector(watcher.events)

        #expect(symlink(outside.file("secret"), inbox.file("link.csv")) == 0)
        #expect(mkfifo(inbox.file("fifo.csv"), 0o600) == 0)
        #expect(link(outside.file("secret"), inbox.file("hardlink.csv")) == 0)
        #expect(mkdir(inbox.file("made-dir.csv"), 0o700) == 0)          // an empty dir: nothing to report
        #expect(mkdir(outside.file("moved-dir.csv"), 0o700) == 0)
        try FileOps.rename(outside.file("moved-dir.csv"), inbox.file("moved-dir.csv"))
        #expect(symlink("/etc/passwd", inbox.file(".hidden-link")) == 0)  // hidden: ignored
        try FileOps.write(inbox.file("sentinel.csv"), "x")

        #expect(await events.waitFor(events.arrived("sentinel.csv")))
        #expect(events.events == ["link.csv", "fifo.csv", "hardlink.csv", "moved-dir.csv", "sentinel.csv"].map(events.arrived))
    }

    @Test func aKernelQueueOverflowAsksForARescan() async throws {
        // Hold the watcher's queue so the kernel queue (fs.inotify.max_queued_events) fills up,
        // then let it go: IN_Q_OVERFLOW must come out as .rescanNeeded. Renaming one file back and
        // forth makes one event per rename, with alternating names so the kernel cannot merge them.
        let limitText = try String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8)
        let limit = try #require(Int(limitText.trimmingCharacters(in: .whitespacesAndNewlines)))
        try #require(limit <= 1_048_576, "max_queued_events \(limit) is too large to overflow quickly")
        let inbox = try TemporaryDirectory("inbox")
        let queue = DispatchQueue(label: "held")
        queue.suspend()
        let watcher = try InotifyWatcher(directory: inbox.path, queue: queue)
        let events = EventCollector(watcher.events)
        try FileOps.write(inbox.file(".r0"), "x")
        let names = [inbox.file("r1.csv"), inbox.file("r2.csv")]
        try FileOps.rename(inbox.file(".r0"), names[0])
        for index in 0..<(limit + 16) {
            try FileOps.rename(names[index % 2], names[(index + 1) % 2])
        }
        queue.resume()
        // The whole queue is read and parsed first (16,384 events by default): on a loaded machine,
        // with the rest of the suite starting beside it, that took over 10 s once.
        #expect(await events.waitFor(.rescanNeeded, timeout: .seconds(90)))
        // Arrivals were lost; the rescan finds what is really there.
        let waiting = try InboxScanner(directory: inbox.path).entries().map(\.name)
        #expect(waiting.count == 1 && names.contains(inbox.path + "/" + (waiting[0].string ?? "")))
    }

    @Test func removingTheInboxEndsTheStreamWithInboxLost() async throws {
        let parent = try TemporaryDirectory("parent")
        let inbox = parent.file("inbox")
        #expect(mkdir(inbox, 0o700) == 0)
        let watcher = try InotifyWatcher(directory: inbox)
        let events = EventCollector(watcher.events)
        #expect(rmdir(inbox) == 0)
        #expect(await events.waitFor(.inboxLost))
        #expect(await eventually { events.isFinished })
        #expect(events.events == [.inboxLost])
    }

    @Test func stoppingTheWatcherFinishesItsStream() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let watcher = try InotifyWatcher(directory: inbox.path)
        let events = EventCollector(watcher.events)
        watcher.stop()
        #expect(await eventually { events.isFinished })
    }

    @Test func aMissingInboxIsAClearError() throws {
        #expect(throws: InboxError.cannotOpen(directory: "/nonexistent/inbox", errno: ENOENT)) {
            try InotifyWatcher(directory: "/nonexistent/inbox")
        }
        let file = try TemporaryDirectory("notdir")
        try FileOps.write(file.file("plain"), "x")
        #expect(throws: InboxError.cannotOpen(directory: file.file("plain"), errno: ENOTDIR)) {
            try InotifyWatcher(directory: file.file("plain"))
        }
        #expect(InboxError.cannotOpen(directory: "/x", errno: ENOENT).description.contains("systemd-tmpfiles --create"))
    }

    @Test func recordsAreSplitWithTheirNameBytes() {
        // Two records as the kernel packs them: the second name NUL-padded to 16 bytes.
        var bytes: [UInt8] = []
        func append(_ watch: Int32, _ mask: UInt32, _ cookie: UInt32, _ name: [UInt8], padded: Int) {
            withUnsafeBytes(of: watch.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: mask.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: cookie.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt32(padded).littleEndian) { bytes += $0 }
            bytes += name + [UInt8](repeating: 0, count: padded - name.count)
        }
        append(-1, 0x4000, 0, [], padded: 0)
        append(1, 0x80, 7, [0x61, 0x0A, 0xFF], padded: 16)
        let records = bytes.withUnsafeBytes { InotifyRecordParser.parse($0) }
        #expect(records == [
            InotifyRecord(watch: -1, mask: 0x4000, cookie: 0, name: []),
            InotifyRecord(watch: 1, mask: 0x80, cookie: 7, name: [0x61, 0x0A, 0xFF]),
        ])
    }
}
