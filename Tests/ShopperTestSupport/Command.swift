import Foundation

/// Runs a system tool to completion and captures what it printed (through files, and polling
/// for the exit, so no cooperative thread is blocked while it runs).
package struct Command: Sendable {
    package let status: Int32
    package let stdout: String
    package let stderr: String

    /// Everything the tool printed, both streams.
    package var output: String { stdout + stderr }

    package static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Command {
        let files = try TemporaryDirectory("command")
        _ = FileManager.default.createFile(atPath: files.file("out"), contents: nil)
        _ = FileManager.default.createFile(atPath: files.file("err"), contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: files.file("out"))
        process.standardError = FileHandle(forWritingAtPath: files.file("err"))
        try process.run()
        guard await eventually(timeout: timeout, every: .milliseconds(5), { !process.isRunning }) else {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        return Command(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: files.file("out"), encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: files.file("err"), encoding: .utf8)) ?? "")
    }

    /// The repository root (this file is Tests/ShopperTestSupport/Command.swift).
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
