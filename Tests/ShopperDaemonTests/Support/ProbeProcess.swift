import Foundation
import ShopperTestSupport

/// The test helper daemon (`shopperd-daemon-probe`, built from ShopperDaemon's parts) running as a
/// real child process, its stdout and stderr captured in files.
final class ProbeProcess: @unchecked Sendable {  // Process is thread-safe for what we use
    let process = Process()
    let output: TemporaryDirectory

    /// The build directory the test binary runs from; the probe and `shopperd` are built there.
    static var buildDirectory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent
    }

    static var probePath: String { buildDirectory + "/shopperd-daemon-probe" }
    /// The real `shopperd`, built next to the probe.
    static var shopperdPath: String { buildDirectory + "/shopperd" }

    /// Starts `[wrapper...] probe arguments` (or another `executable` of the build, such as
    /// ``shopperdPath``), with this process's environment minus the systemd variables, plus
    /// `environment`.
    init(arguments: [String], environment: [String: String] = [:], wrapper: [String] = [],
         standardError: FileHandle? = nil, executable: String = ProbeProcess.probePath) throws {
        output = try TemporaryDirectory("probe-output")
        var variables = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "RUNTIME_DIRECTORY",
                    "CONFIGURATION_DIRECTORY", "LIBDISPATCH_LOG"] { variables[key] = nil }
        variables.merge(environment) { $1 }
        let command = wrapper + [executable] + arguments
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure("\(executable) is missing: build with `swift build --build-tests`")
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = variables
        _ = FileManager.default.createFile(atPath: output.file("stdout"), contents: nil)
        _ = FileManager.default.createFile(atPath: output.file("stderr"), contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: output.file("stdout"))
        process.standardError = standardError ?? FileHandle(forWritingAtPath: output.file("stderr"))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    var stdoutLines: [String] { lines(of: "stdout") }
    var stderrLines: [String] { lines(of: "stderr") }

    private func lines(of stream: String) -> [String] {
        let text = (try? String(contentsOfFile: output.file(stream), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for a stdout line; `true` if it came.
    func waitForLine(_ line: String, timeout: Duration = .seconds(20)) async -> Bool {
        await eventually(timeout: timeout) { stdoutLines.contains(line) }
    }

    /// Waits for the process to end and returns its exit status, or `nil` if it is still running
    /// after `timeout` (then it is killed) or was killed by a signal.
    func exitStatus(timeout: Duration = .seconds(20)) async -> Int32? {
        let ended = await eventually(timeout: timeout) { !process.isRunning }
        guard ended else {
            process.terminate()
            return nil
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

extension Array where Element == UInt8 {
    /// The probe's spelling of a name on stdout (`done <hex>`).
    var hex: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

extension String {
    var hex: String { Array(utf8).hex }
}
