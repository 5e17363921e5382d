import Foundation
import Testing
@testable import ShopperIO
import ShopperTestSupport

/// The I/O layer under the pipeline (``WholeFile``, ``Directory``, ``ErrnoText``).
@Suite struct IOLayerTests {
    @Test func aWholeFileIsReadAndAnOversizedOneRefusedBeforeReading() throws {
        let temp = try TemporaryDirectory()
        let payload = String(repeating: "x", count: 200_000)
        try temp.write("f.csv", payload)
        #expect(try WholeFile.read(path: temp.file("f.csv")) == Array(payload.utf8))
        #expect(throws: WholeFile.Failure.tooLarge(bytes: 200_000, limit: 1000)) {
            try WholeFile.read(path: temp.file("f.csv"), maxBytes: 1000)
        }
        #expect(throws: WholeFile.Failure.notRegularFile(path: temp.path)) { try WholeFile.read(path: temp.path) }
        #expect(throws: WholeFile.Failure.system(FileSystemError("open", path: temp.file("missing"), code: ENOENT))) {
            try WholeFile.read(path: temp.file("missing"))
        }
    }

    @Test func createAllMakesEveryMissingParentAndNamesAFileInTheWay() throws {
        let temp = try TemporaryDirectory()
        try Directory.createAll(temp.file("a/b/c"))
        try Directory.createAll(temp.file("a/b/c"))  // already there: nothing to do
        #expect(temp.entries("a/b") == ["c"])
        try temp.write("file", "x")
        let error = #expect(throws: FileSystemError.self) { try Directory.createAll(temp.file("file/d")) }
        #expect(error?.code == ENOTDIR && error?.path == temp.file("file"))
    }

    @Test func errnoTextGivesTheMessageAndTheNumber() {
        #expect(ErrnoText.message(ENOENT) == "No such file or directory")
        #expect(ErrnoText.describe(ENOENT) == "No such file or directory (errno 2)")
    }
}
