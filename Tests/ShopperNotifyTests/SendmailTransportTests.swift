import Foundation
@testable import ShopperNotify
import ShopperTestSupport
import Testing

@Suite struct SendmailTransportTests {
    @Test func theMessageReachesTheProgramsStdinWhole() async throws {
        let temp = try TemporaryDirectory()
        let program = try NotifyFixtures.script(temp, "sendmail", "cat > \(temp.file("stdin")); printf '%s|' \"$@\" > \(temp.file("args"))")
        // The drift page makes the message far larger than a socket buffer.
        let message = MailComposer.message(for: NotifyFixtures.batchNotice(), settings: NotifyFixtures.settings)
        let bytes = message.rendered()
        #expect(bytes.count > 256 * 1024, "\(bytes.count) bytes")
        try await SendmailTransport(command: [program, "-t", "-oi"], timeout: .seconds(30)).send(message)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("stdin")))) == bytes)
        #expect(try String(contentsOfFile: temp.file("args"), encoding: .utf8) == "-t|-oi|")
    }

    @Test func exitStatusesAreClassifiedBySysexits() async throws {
        let temp = try TemporaryDirectory()
        let program = try NotifyFixtures.script(temp, "sendmail", "cat > /dev/null; echo \"sendmail: status $1\" >&2; exit $1")
        let message = MailComposer.message(for: NotifyFixtures.batchNotice(attach: false), settings: NotifyFixtures.settings)
        for status in [64, 65, 67, 68, 77, 78, 69, 70, 71, 72, 73, 74, 75, 1] {
            let error = try await #require(throws: DeliveryError.self) {
                try await SendmailTransport(command: [program, "\(status)"], timeout: .seconds(30)).send(message)
            }
            #expect(error.isTransient == ![64, 65, 67, 68, 77, 78].contains(status), "status \(status): \(error)")
            #expect(error.message.contains("exited with status \(status)"))
            #expect(error.message.contains("sendmail: status \(status)"), "the program's stderr is quoted: \(error)")
        }
    }

    @Test func aHangingProgramIsKilledAtTheDeadline() async throws {
        let temp = try TemporaryDirectory()
        let program = try NotifyFixtures.script(temp, "sendmail", "sleep 30")
        let started = ContinuousClock.now
        let error = try await #require(throws: DeliveryError.self) {
            try await SendmailTransport(command: [program], timeout: .milliseconds(300)).send(
                MailComposer.message(for: NotifyFixtures.batchNotice(), settings: NotifyFixtures.settings))
        }
        #expect(error.isTransient && error.message.contains("did not finish within 0.3 s"), "\(error)")
        // Killed, not waited for (it would sleep 30 s); the bound leaves a loaded machine room.
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    @Test func aMissingProgramSaysToInstallAnMTA() async throws {
        let error = try await #require(throws: DeliveryError.self) {
            try await SendmailTransport(command: ["/nonexistent/sbin/sendmail", "-t", "-oi"], timeout: .seconds(5)).send(
                MailComposer.message(for: NotifyFixtures.batchNotice(attach: false), settings: NotifyFixtures.settings))
        }
        #expect(!error.isTransient)
        #expect(error.message.contains("install an MTA (msmtp-mta, exim4 or postfix) or set notify.email.sendmail"))
    }

    @Test func aChattyFailureIsQuotedToItsFirst500BytesOnOneLine() async throws {
        let temp = try TemporaryDirectory()
        // 200 kB on stderr (more than a socket buffer: the program must not block) and exit 75.
        let program = try NotifyFixtures.script(temp, "sendmail", "cat > /dev/null; i=0; while [ $i -lt 2000 ]; do printf 'deferred: mail.example.com refused %s\\n' \"$(printf '%080d' $i)\" >&2; i=$((i+1)); done; exit 75")
        let error = try await #require(throws: DeliveryError.self) {
            try await SendmailTransport(command: [program], timeout: .seconds(60)).send(
                MailComposer.message(for: NotifyFixtures.batchNotice(attach: false), settings: NotifyFixtures.settings))
        }
        #expect(error.isTransient && error.message.contains("(EX_TEMPFAIL)"))
        #expect(error.message.contains("deferred: mail.example.com refused"))
        #expect(!error.message.contains("\n") && error.message.utf8.count < 500 + 200, "\(error.message.utf8.count)")
    }

    static let msmtpAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/msmtp")
        && exitStatus(of: ["/usr/bin/env", "python3", "-c", "import aiosmtpd"]) == 0

    /// The whole path a real installation takes: msmtp as sendmail, an SMTP server (aiosmtpd) on
    /// loopback, the delivered message read back from its mailbox.
    @Test(.enabled(if: msmtpAvailable, "needs msmtp (apt msmtp) and aiosmtpd (pip aiosmtpd)"))
    func deliversThroughRealMsmtpToAnSMTPServer() async throws {
        let temp = try TemporaryDirectory()
        let mailbox = temp.file("mailbox")  // a Maildir aiosmtpd creates (it fills only one it made)
        let port = try freeLoopbackPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", mailbox]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // SIGKILL: the test process's children start with SIGTERM blocked (see WebhookReceiver).
        defer { kill(server.processIdentifier, SIGKILL) }
        #expect(await eventually(timeout: .seconds(30)) { canConnect(port: port) }, "aiosmtpd did not listen")
        let configuration = try temp.write("msmtprc", "account default\nhost 127.0.0.1\nport \(port)\nauth off\ntls off\nfrom shopperd@shop-01.example.com\n")
        chmod(configuration, 0o600)

        let message = MailComposer.message(for: NotifyFixtures.batchNotice(), settings: NotifyFixtures.settings)
        try await SendmailTransport(command: ["/usr/bin/msmtp", "-C", configuration, "-t", "-oi"], timeout: .seconds(30)).send(message)

        #expect(await eventually(timeout: .seconds(30)) { !temp.entries("mailbox/new").isEmpty })
        let delivered = try #require(temp.entries("mailbox/new").first)
        let mail = try await ParsedMail.parse(Array(try Data(contentsOf: URL(fileURLWithPath: mailbox + "/new/" + delivered))))
        #expect(mail.subject == message.subject)
        #expect(mail.header("Message-ID") == [message.messageID])
        let leaves = mail.root.leaves
        #expect(leaves.map(\.type) == ["text/plain", "text/html", "text/html", "application/json"])
        #expect(leaves[2].text == NotifyFixtures.drift.html)
        #expect(leaves[0].text.contains("retrain-promoted"))
    }

    func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A quick program's exit status, for a test trait (synchronous: `Process.waitUntilExit` would
/// block a cooperative thread in a run loop instead).
func exitStatus(of argv: [String]) -> Int32 {
    let arguments = argv.map { strdup($0) }
    defer { arguments.forEach { free($0) } }
    var cArguments = arguments + [nil]
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
}
