import ShopperIO
import ShopperPipeline
#if canImport(Glibc)
import Glibc
#endif

/// Hands a message to the system's mail transfer agent: `sendmail -t -oi` (recipients from the
/// headers, a lone `.` line is not the end), the message on standard input, no shell, with a
/// deadline (the program's whole process group is killed at it). Runs through `ChildProcess`,
/// the runner the `--on-event` hook uses.
///
/// Its exit status is classified by sysexits.h: a usage, data, address, permission or
/// configuration error is permanent (sending the same message again fails again); a temporary
/// failure (EX_TEMPFAIL, 75), an unavailable service, a software or OS error, a signal or the
/// deadline is transient. The program's output (its first 500 bytes) is part of the message.
package struct SendmailTransport: Sendable {
    package static let defaultCommand = ["/usr/sbin/sendmail", "-t", "-oi"]
    /// Program and arguments (no shell); `notify.email.sendmail`.
    package var command: [String]
    package var timeout: Duration
    /// How much of the program's output a failure message quotes.
    package static let outputLimit = 500

    package init(command: [String] = SendmailTransport.defaultCommand, timeout: Duration = .seconds(30)) {
        self.command = command
        self.timeout = timeout
    }

    package func send(_ message: MailMessage) async throws(DeliveryError) {
        try await send(bytes: message.rendered())
    }

    package func send(bytes: [UInt8]) async throws(DeliveryError) {
        guard let program = command.first, !program.isEmpty else {
            throw .permanent("notify.email.sendmail is empty: give the MTA's sendmail program, e.g. /usr/sbin/sendmail -t -oi")
        }
        let (seconds, attoseconds) = timeout.components
        let run = await ChildProcess(program: program, arguments: Array(command.dropFirst()),
                                     timeoutSeconds: Double(seconds) + Double(attoseconds) * 1e-18,
                                     input: bytes, captureLimit: Self.outputLimit).run()
        if let error = Self.classify(run.outcome, program: program, output: run.output) { throw error }
    }

    /// nil when the program took the message (exit 0).
    package static func classify(_ outcome: HookOutcome, program: String, output: [UInt8]) -> DeliveryError? {
        let said = said(output)
        switch outcome {
        case .exited(0):
            return nil
        case .exited(let status):
            let text = "\(program) exited with status \(status)\(name(status).map { " (\($0))" } ?? "")\(said)"
            return permanentStatuses.contains(status) ? .permanent(text) : .transient(text)
        case .killedBySignal(let signal):
            return .transient("\(program) was killed by signal \(signal)\(said)")
        case .timedOut(let seconds):
            return .transient("\(program) did not finish within \((seconds * 1000).rounded() / 1000) s: killed\(said)")
        case .failedToStart(let code) where code == ENOENT || code == ENOTDIR:
            return .permanent("\(program) does not exist: install an MTA (msmtp-mta, exim4 or postfix) or set notify.email.sendmail")
        case .failedToStart(let code) where code == EACCES || code == ENOEXEC:
            return .permanent("\(program) cannot be run: \(ErrnoText.message(code)); set notify.email.sendmail to the MTA's sendmail program")
        case .failedToStart(let code):
            return .transient("\(program) could not start: \(ErrnoText.message(code))")
        case .skippedBusy(let running):
            return .transient("\(program) not started: \(running) already running")
        }
    }

    /// EX_USAGE, EX_DATAERR, EX_NOUSER, EX_NOHOST, EX_NOPERM, EX_CONFIG.
    static let permanentStatuses: Set<Int32> = [64, 65, 67, 68, 77, 78]

    static func name(_ status: Int32) -> String? {
        [64: "EX_USAGE", 65: "EX_DATAERR", 66: "EX_NOINPUT", 67: "EX_NOUSER", 68: "EX_NOHOST", 69: "EX_UNAVAILABLE",
         70: "EX_SOFTWARE", 71: "EX_OSERR", 72: "EX_OSFILE", 73: "EX_CANTCREAT", 74: "EX_IOERR", 75: "EX_TEMPFAIL",
         76: "EX_PROTOCOL", 77: "EX_NOPERM", 78: "EX_CONFIG"][status]
    }

    /// `: what it said` (one line: line breaks and control characters become spaces), or nothing.
    static func said(_ output: [UInt8]) -> String {
        let text = String(decoding: output.prefix(outputLimit), as: UTF8.self)
        let line = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return line.isEmpty ? "" : ": \(line)"
    }
}
