import Foundation
import Testing
@testable import ShopperIO
import ShopperTestSupport

@Suite struct AtomicFileTests {
    @Test func writesTheWholeFileAndLeavesNoTemporary() throws {
        let temp = try TemporaryDirectory()
        let payload = Array(repeating: UInt8(ascii: "x"), count: 1 << 20)
        try AtomicFile.write(payload, to: temp.path, name: "out.csv")
        #expect(temp.entries() == ["out.csv"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: temp.file("out.csv"))).count == 1 << 20)
    }

    @Test func replacesAnExistingFileWhole() throws {
        let temp = try TemporaryDirectory()
        try AtomicFile.write(Array("old content".utf8), to: temp.path, name: "f")
        try AtomicFile.write(Array("new".utf8), to: temp.path, name: "f")
        #expect(try String(contentsOfFile: temp.file("f"), encoding: .utf8) == "new")
    }

    @Test func temporaryNamesAreRecognisedWithTheirWriter() {
        #expect(AtomicFile.writerPID(ofTemporary: AtomicFile.temporaryName(for: "a.report.json", pid: 4242)) == 4242)
        #expect(AtomicFile.writerPID(ofTemporary: ".a-b.csv.tmp-17") == 17)
        for name in ["a.csv.tmp-17", ".tmp-17", "..tmp-17", ".a.tmp-", ".a.tmp-1x", ".a.tmp--3", ".a.csv", ".a.part-17"] {
            #expect(AtomicFile.writerPID(ofTemporary: name) == nil, "\(name)")
        }
    }

    @Test func aMissingDirectoryIsATypedErrorNamingThePath() throws {
        let error = #expect(throws: FileSystemError.self) {
            try AtomicFile.write([1, 2, 3], to: "/nonexistent-dir", name: "f")
        }
        #expect(error?.code == ENOENT)
        #expect(error?.description.contains("/nonexistent-dir") == true)
    }
}
