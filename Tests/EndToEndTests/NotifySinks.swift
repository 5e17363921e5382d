import Foundation
import ShopperTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A free TCP port on 127.0.0.1 (bound, read back, released: the sink binds it a moment later).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A Python receiver (`Tests/Notify/*.py`) run as a child process, saving what it receives as
/// numbered JSON files in `directory`; stopped on `stop()` or when released.
final class SinkProcess: @unchecked Sendable {  // the process is only started and stopped
    let directory: String
    let port: Int
    private let script: String
    private let extra: [String]
    private var process: Process?

    init(script: String, directory: String, port: Int, extra: [String] = []) async throws {
        self.script = Command.repositoryRoot + "/Tests/Notify/" + script
        self.directory = directory
        self.port = port
        self.extra = extra
        try await start()
    }

    /// Starts (again) on the same port, and waits until it listens.
    func start() async throws {
        let out = directory + ".out"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), directory] + extra
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out)
        try process.run()
        self.process = process
        let ready = await eventually(timeout: .seconds(30)) {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("ready") || !process.isRunning
        }
        guard ready, process.isRunning else {
            throw TestFailure("\(script) did not start: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
        }
    }

    /// Takes the receiver down at once (SIGKILL: a child of the test process may inherit a blocked
    /// SIGTERM), then waits for it to exit.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// What was received so far, oldest first, each decoded as a JSON object.
    func received() -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
    }

    deinit { stop() }
}

/// A real SMTP server (aiosmtpd) and an msmtp configuration that relays to it: the `sendmail`
/// command the daemon is given is the real msmtp (`msmtp -C CONF -t -oi`), as `msmtp-mta`
/// installs it as /usr/sbin/sendmail.
struct MailRelay {
    let sink: SinkProcess
    let msmtpConfig: String

    static func start(in scratch: TemporaryDirectory) async throws -> MailRelay {
        let port = try freeLoopbackPort()
        let sink = try await SinkProcess(script: "smtp_sink.py", directory: scratch.file("mail"), port: port)
        let config = scratch.file("msmtprc")
        try "defaults\nauth off\ntls off\nlogfile -\naccount default\nhost 127.0.0.1\nport \(port)\nfrom shopperd@example.com\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)  // msmtp refuses a configuration others can read
        return MailRelay(sink: sink, msmtpConfig: config)
    }

    /// `notify.email.sendmail`: msmtp with this configuration, reading recipients from the headers.
    var sendmailSetting: String { "/usr/bin/msmtp -C \(msmtpConfig) -t -oi" }

    /// The messages received so far: envelope and the raw message.
    var messages: [(rcptTos: [String], data: String)] {
        sink.received().map { (($0["rcpt_tos"] as? [String]) ?? [], ($0["data"] as? String) ?? "") }
    }
}

/// CPU time (user + system) a process has used so far, from /proc/PID/stat.
func cpuSeconds(of pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
