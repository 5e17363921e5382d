import Foundation
import Testing
@testable import ShopperIO
@testable import ShopperInbox
@testable import ShopperPipeline
import ShopperTestSupport

@Suite struct InputFileTests {
    @Test func readsARegularFile() throws {
        let temp = try TemporaryDirectory()
        try temp.write("a.csv", "hello")
        #expect(try InputFile.read(path: temp.file("a.csv"), maxBytes: 100) == .bytes(Array("hello".utf8)))
    }

    @Test func refusesASymlinkWithoutFollowingIt() throws {
        let temp = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: temp.file("link.csv"), withDestinationPath: "/etc/passwd")
        #expect(try InputFile.read(path: temp.file("link.csv"), maxBytes: 1 << 20) == .refused(.symbolicLink))
    }

    @Test func refusesAFIFOWithoutBlocking() throws {
        let temp = try TemporaryDirectory()
        #expect(mkfifo(temp.file("pipe.csv"), 0o644) == 0)
        #expect(try InputFile.read(path: temp.file("pipe.csv"), maxBytes: 1 << 20) == .refused(.fifo))
    }

    @Test func refusesADeviceNodeAndADirectory() throws {
        let temp = try TemporaryDirectory()
        _ = try temp.subdirectory("dir.csv")
        #expect(try InputFile.read(path: temp.file("dir.csv"), maxBytes: 1 << 20) == .refused(.directory))
        #expect(try InputFile.read(path: "/dev/null", maxBytes: 1 << 20) == .refused(.deviceNode))
    }

    @Test func refusesAHardLink() throws {
        let temp = try TemporaryDirectory()
        try temp.write("outside", "secret")
        #expect(link(temp.file("outside"), temp.file("inside.csv")) == 0)
        #expect(try InputFile.read(path: temp.file("inside.csv"), maxBytes: 1 << 20) == .refused(.hardLink(links: 2)))
    }

    @Test func refusesAnOversizedFileFromItsSize() throws {
        let temp = try TemporaryDirectory()
        // A sparse 1 GiB file: refusing it must not read it.
        let fd = open(temp.file("huge.csv"), O_CREAT | O_WRONLY, 0o644)
        #expect(ftruncate(fd, 1 << 30) == 0)
        close(fd)
        #expect(try InputFile.read(path: temp.file("huge.csv"), maxBytes: 1 << 20)
            == .refused(.tooLarge(bytes: 1 << 30, limit: 1 << 20)))
    }

    @Test func missingFileIsAFileSystemError() {
        #expect(throws: FileSystemError.self) {
            try InputFile.read(path: "/nonexistent/x.csv", maxBytes: 10)
        }
    }
}
