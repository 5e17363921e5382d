import Testing
@testable import ShopperInbox
import ShopperDaemon

@Suite struct InboxFileNameTests {
    @Test func onlyRealDirectoryEntryNamesAreAccepted() {
        #expect(InboxFileName("") == nil)
        #expect(InboxFileName(".") == nil)
        #expect(InboxFileName("..") == nil)
        #expect(InboxFileName("a/b.csv") == nil)
        #expect(InboxFileName(bytes: [0x61, 0x00]) == nil)
        #expect(InboxFileName("...")?.bytes == [0x2E, 0x2E, 0x2E])
        #expect(InboxFileName(bytes: [0xC3, 0x28])?.bytes == [0xC3, 0x28])  // invalid UTF-8 is fine
    }

    @Test func hiddenAndTemporaryNamesAreIgnored() {
        for ignored in [".sessions.csv", ".x", "a.csv.tmp", "a.tmp", "a.csv.part", ".part", "..."] {
            #expect(InboxFileName(ignored)!.isIgnored, "\(ignored)")
        }
        for taken in ["a.csv", "a.tmp.csv", "a.csv.TMP", "part", "tmp", "a.partial", "-rf.csv", " a.csv"] {
            #expect(!InboxFileName(taken)!.isIgnored, "\(taken)")
        }
    }

    @Test func descriptionIsOneUnambiguousLine() {
        #expect(InboxFileName("sessions-0423.csv")!.description == "sessions-0423.csv")
        #expect(InboxFileName("日本.csv")!.description == "日本.csv")
        #expect(InboxFileName("a\nb\tc\\d")!.description == #"a\nb\tc\\d"#)
        #expect(InboxFileName(bytes: [0x61, 0xFF, 0xC3, 0x28, 0x7F])!.description == #"a\xff\xc3(\u{7f}"#)
        // A name spelling an escape differs from the name it would escape.
        #expect(InboxFileName(#"a\xff"#)!.description != InboxFileName(bytes: [0x61, 0xFF])!.description)
        #expect(InboxFileName(bytes: [0xFF])!.string == nil)
    }

    @Test func stemDropsOnlyTheLastExtension() {
        #expect(InboxFileName("sessions-0423.csv")!.stem == Array("sessions-0423".utf8))
        #expect(InboxFileName("a.b.csv")!.stem == Array("a.b".utf8))
        #expect(InboxFileName("noext")!.stem == Array("noext".utf8))
        #expect(InboxFileName(".profile")!.stem == Array(".profile".utf8))
    }

    @Test func withCStringPassesTheExactBytes() {
        let name = InboxFileName(bytes: [0x2D, 0xFF, 0x0A])!
        let seen: [UInt8] = name.withCString { pointer in
            (0..<4).map { UInt8(bitPattern: pointer[$0]) }
        }
        #expect(seen == [0x2D, 0xFF, 0x0A, 0x00])
    }
}
