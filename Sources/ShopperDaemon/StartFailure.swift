import Foundation

/// Reports an error that stops the daemon before it runs (a refused configuration).
///
/// Under systemd, stdout and stderr reach the journal at priority `info` with no `MESSAGE_ID`,
/// so `journalctl -u shopperd -p err` would not show why the service is down. When events go to
/// the journal (the same ``LogTarget`` decision as the running daemon's, from the command line's
/// `--log-target` or `auto`), the error is a `service-start-refused` event at priority `err`, with
/// its `MESSAGE_ID` and catalog entry. It is also one plain line on stderr for whoever started
/// the command (a terminal, a script, cron), except when stderr is itself the journal stream
/// (systemd's `JOURNAL_STREAM`), where that line would be a duplicate at priority info.
package enum StartFailure {
    package static func report(_ message: String, exitStatus: Int32, logTarget: LogTarget) {
        if let log = try? EventLog(target: logTarget), log.sink == .journal {
            log.log(.serviceStartRefused(error: message, exitStatus: exitStatus))
            if LogEnvironment.current().stderrIsJournalStream { return }
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
