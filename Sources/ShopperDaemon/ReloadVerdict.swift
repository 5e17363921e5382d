import Foundation
import ShopperCore
#if canImport(Glibc)
import Glibc
#endif
import ShopperIO

/// The daemon's answer to its latest reload request (`SIGHUP`), published so that `shopperd
/// reload` (the unit's `ExecReload=`) can wait for it and fail when the configuration was
/// refused: `kill -HUP` alone returns before the daemon has even read the file, so `systemctl
/// reload` said "done" to a refused configuration. (systemd 252 has no `Type=notify-reload`.)
///
/// `generation` counts the reloads this process (`pid`) has answered, 0 for "ready, none yet":
/// a waiter reads the generation, signals, and waits for a higher one from the same pid.
package struct ReloadVerdict: Codable, Sendable, Equatable {
    package var pid: Int32
    package var generation: Int
    package var accepted: Bool
    /// The applied settings' summary, or why the configuration was refused.
    package var message: String

    package init(pid: Int32, generation: Int, accepted: Bool, message: String) {
        self.pid = pid
        self.generation = generation
        self.accepted = accepted
        self.message = message
    }
}

/// Where verdicts are published: `reload.json` in `$RUNTIME_DIRECTORY` (the unit's
/// `RuntimeDirectory=shopperd`, `/run/shopperd`, writable inside its sandbox and readable by
/// `ExecReload=`, which runs as the same user), else in the state directory. Each verdict is
/// written whole under a temporary name and renamed over the last, so a reader never sees half.
package struct ReloadVerdictFile: Sendable {
    package static let fileName = "reload.json"
    package let path: String

    package init(path: String) {
        self.path = path
    }

    /// The file for a daemon whose state directory is `state`, in `environment`.
    package init(state: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        path = (runtime ?? state) + "/" + Self.fileName
    }

    /// Replaces the published verdict (``AtomicFile``). Best effort: a daemon that cannot write it
    /// keeps running (the waiter then times out and says where it looked).
    ///
    /// The start-up verdict (generation 0) is published before any other: it first removes the
    /// temporary a predecessor killed mid-publish left behind (nothing else sweeps this directory,
    /// which may be the state directory).
    package func publish(_ verdict: ReloadVerdict) {
        guard let data = try? JSONPolicy.encode(verdict, form: .compact) else { return }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if verdict.generation == 0 { AtomicFile.removeDeadTemporaries(in: directory) }
        try? AtomicFile.write(data, to: directory, name: name)
    }

    /// The published verdict, `nil` when there is none (or it cannot be read).
    package func read() -> ReloadVerdict? {
        (try? WholeFile.read(path: path)).flatMap { try? JSONPolicy.decode(ReloadVerdict.self, from: Data($0)) }
    }

    /// Sends `SIGHUP` to `pid` and waits for its verdict on that request.
    ///
    /// - Throws: ``ReloadRequestError`` when the process does not exist, cannot be signalled, or
    ///   publishes no verdict within `timeout`.
    package func requestReload(of pid: Int32, timeout: Duration, poll: Duration = .milliseconds(50)) async throws(ReloadRequestError) -> ReloadVerdict {
        let before = read().flatMap { $0.pid == pid ? $0.generation : nil } ?? 0
        guard kill(pid, SIGHUP) == 0 else { throw .cannotSignal(pid: pid, reason: ErrnoText.message(errno)) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let verdict = read(), verdict.pid == pid, verdict.generation > before { return verdict }
            guard kill(pid, 0) == 0 || errno == EPERM else { throw .exited(pid: pid) }
            try? await Task.sleep(for: poll)
        }
        throw .noVerdict(pid: pid, path: path, timeout: timeout)
    }
}

/// Why `shopperd reload` could not learn the daemon's verdict.
package enum ReloadRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotSignal(pid: Int32, reason: String)
    case exited(pid: Int32)
    case noVerdict(pid: Int32, path: String, timeout: Duration)

    package var description: String {
        switch self {
        case let .cannotSignal(pid, reason):
            "cannot send SIGHUP to process \(pid): \(reason); is shopperd running with that pid?"
        case let .exited(pid):
            "process \(pid) exited before answering the reload; see journalctl -u shopperd"
        case let .noVerdict(pid, path, timeout):
            "process \(pid) published no reload verdict in \(path) within \(timeout); is it shopperd, with the same "
                + "RUNTIME_DIRECTORY (or --state)? See journalctl -u shopperd"
        }
    }
}
