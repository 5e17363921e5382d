import Foundation

/// Runs the real `shopperd` executable, as an operator or systemd would.
///
/// Where the binary is: `swift build --build-tests` / `swift test` build every product into the
/// same directory as the test bundle (`.build/<triple>/debug/`), so it is the sibling of this test
/// process's executable (`/proc/self/exe`). `SHOPPERD_BINARY=/path/to/shopperd` overrides that, to
/// test a release build: `SHOPPERD_BINARY=.build/release/shopperd swift test --filter EndToEndTests`.
enum ShopperdBinary {
    static let url: URL = {
        if let override = ProcessInfo.processInfo.environment["SHOPPERD_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("shopperd")
    }()

    /// What a finished run printed and how it ended.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `shopperd arguments…` to completion. Output goes through files, not pipes, so a large
    /// output (`show` of every row) cannot fill a pipe and block the child.
    static func run(_ arguments: [String], executable: String? = nil, in directory: URL? = nil) throws -> Outcome {
        let (process, stdout, stderr) = try start(arguments, executable: executable, in: directory)
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: stdout)
            try? FileManager.default.removeItem(at: stderr)
        }
        return Outcome(status: process.terminationStatus,
                       stdout: try String(contentsOf: stdout, encoding: .utf8),
                       stderr: try String(contentsOf: stderr, encoding: .utf8))
    }

    /// Starts `shopperd arguments…` and returns at once, with the files its output goes to.
    static func start(_ arguments: [String], executable: String? = nil, in directory: URL? = nil) throws -> (Process, stdout: URL, stderr: URL) {
        let url = executable.map { URL(fileURLWithPath: $0) } ?? url
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Missing(path: url.path)
        }
        let temporary = FileManager.default.temporaryDirectory
        let stdout = temporary.appendingPathComponent("shopperd-out-\(UUID().uuidString)")
        let stderr = temporary.appendingPathComponent("shopperd-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        return (process, stdout, stderr)
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "shopperd binary not found at \(path): run `swift build` first, or set SHOPPERD_BINARY"
        }
    }
}
