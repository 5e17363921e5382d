import Foundation
import Testing

/// Runs the real `shopperd drift` binary (built next to the test bundle by `swift test`) on
/// real CSV files cut from the bundled data.
@Suite(.serialized) struct DriftCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        // .build/<configuration>/shopperdPackageTests.xctest → .build/<configuration>/shopperd
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        let candidate = directory.appendingPathComponent("shopperd")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("shopperd")
    }

    func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["drift"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Writes the header and the selected lines of the bundled file (line selection only).
    func writeCSV(_ name: String, in directory: URL, keep: (Int, [Substring]) -> Bool) throws -> String {
        let text = try String(contentsOf: TestData.bundledFile, encoding: .utf8)
        let lines = text.split(separator: "\n")
        var selected = [String(lines[0])]
        for (index, line) in lines.dropFirst().enumerated() where keep(index, line.split(separator: ",")) {
            selected.append(String(line))
        }
        let url = directory.appendingPathComponent(name)
        try (selected.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func workspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build shopperd first: \(Self.binary.path)")
    }

    @Test func driftExitsZeroAndReportsIt() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try writeCSV("reference.csv", in: directory) { _, cells in
            ["Feb", "Mar", "Apr", "May", "June", "Jul"].contains(String(cells[10]))
        }
        let current = try writeCSV("current.csv", in: directory) { index, cells in
            (cells[10] == "Nov" || cells[10] == "Dec") && index % 15 == 0
        }
        let result = try run(["--reference", reference, "--current", current, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["critical_drift"] as? Bool == true)
        #expect((object["drivers"] as? [String])?.contains("Month") == true)
        #expect((object["columns"] as? [Any])?.count == 17)
        #expect(object["correction"] as? String == "bh")
    }

    @Test func aBatchOfOneMonthIsComparedWithThatMonthUnlessCalendarBlind() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try writeCSV("reference.csv", in: directory) { index, cells in !(cells[10] == "May" && index % 10 == 0) }
        let current = try writeCSV("current.csv", in: directory) { index, cells in cells[10] == "May" && index % 10 == 0 }
        let matched = try run(["--reference", reference, "--current", current, "--format", "json"])
        #expect(matched.status == 0, "\(matched.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(matched.stdout.utf8)) as? [String: Any])
        #expect(object["critical_drift"] as? Bool == false)
        #expect(object["months_matched"] as? [String] == ["May"] && object["calendar_match"] as? String == "month_and_special_day")
        let blind = try run(["--reference", reference, "--current", current, "--calendar-blind"])
        #expect(blind.status == 0 && blind.stdout.contains("critical_drift: true (driven by Month"), "\(blind.stdout)")
    }

    @Test func noDriftAlsoExitsZero() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try writeCSV("reference.csv", in: directory) { index, _ in index % 40 != 0 }
        let current = try writeCSV("current.csv", in: directory) { index, _ in index % 40 == 0 }
        let result = try run(["--reference", reference, "--current", current, "--alpha", "0.05", "--correction", "bonferroni"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("critical_drift: false"))
        #expect(result.stdout.contains("Bonferroni-adjusted p < 0.05"))
    }

    @Test func htmlGoesToTheOutFile() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try writeCSV("reference.csv", in: directory) { index, _ in index % 3 != 0 }
        let current = try writeCSV("current.csv", in: directory) { index, _ in index % 30 == 0 }
        let out = directory.appendingPathComponent("report.html").path
        let result = try run(["--reference", reference, "--current", current, "--format", "html", "--out", out, "--min-effect", "0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 17)
        #expect(html.contains("effect floor 0.1"))
    }

    @Test func unreadableInputFailsWithAMessage() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let current = try writeCSV("current.csv", in: directory) { index, _ in index < 10 }
        let missing = directory.appendingPathComponent("missing.csv").path
        let result = try run(["--reference", missing, "--current", current])
        #expect(result.status == 1)
        #expect(result.stderr.contains("missing.csv"))
        let broken = directory.appendingPathComponent("broken.csv")
        try "Administrative,Month\n1,Feb\n".write(to: broken, atomically: true, encoding: .utf8)
        let invalid = try run(["--reference", broken.path, "--current", current])
        #expect(invalid.status == 1)
        #expect(!invalid.stderr.isEmpty)
    }

    @Test func usageErrorsExit64() throws {
        #expect(try run(["--reference", "a.csv"]).status == 64)
        #expect(try run(["--reference", "a.csv", "--current", "b.csv", "--alpha", "2"]).status == 64)
        #expect(try run(["--reference", "a.csv", "--current", "b.csv", "--correction", "holm"]).status == 64)
        #expect(try run(["--reference", "a.csv", "--current", "b.csv", "--min-effect", "1.5"]).status == 64)
    }
}
