import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real daemon as an unprivileged user, as the unit's `User=` does. The tests run as root,
/// and root reads any file (`CAP_DAC_OVERRIDE`): what the service user may not read can only be
/// tested without it. The binary is copied to a world-readable place first, since the checkout may
/// sit where `nobody` cannot enter (under /root, or a 0700 temporary directory).
enum ServiceUser {
    static let name = "nobody"
    static let group = "nogroup"

    /// Why the tests cannot run here, or nil when they can.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "needs root, to run the daemon as \(name)" }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return "needs /usr/bin/setpriv (util-linux)" }
        guard getpwnam(name) != nil, getgrnam(group) != nil else { return "needs the user \(name) and the group \(group)" }
        return nil
    }()

    /// A copy of the binary `nobody` can run, in `workspace`'s root (made world-traversable).
    static func binary(in workspace: DaemonWorkspace) throws -> String {
        chmod(workspace.root, 0o755)
        let copy = workspace.root + "/shopperd"
        try FileManager.default.copyItem(atPath: ShopperdBinary.url.path, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }

    /// Gives `paths` (recursively) to the service user, as `StateDirectory=` and the tmpfiles
    /// snippet do for the real service.
    static func own(_ paths: [String]) throws {
        guard let user = getpwnam(name), let group = getgrnam(group) else { throw DaemonTestError("no user \(name)") }
        for path in paths {
            lchown(path, user.pointee.pw_uid, group.pointee.gr_gid)
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let child = enumerator?.nextObject() as? String {
                lchown(path + "/" + child, user.pointee.pw_uid, group.pointee.gr_gid)
            }
        }
    }

    /// Starts `shopperd run` on `workspace` as the service user (`setpriv`: no capabilities, no
    /// supplementary groups) and waits until it watches the inbox.
    static func start(_ workspace: DaemonWorkspace, _ extra: [String] = []) async throws -> DaemonProcess {
        let binary = try binary(in: workspace)
        let probe = try DaemonProcess(arguments: arguments(binary, ["--version"]), executable: "/usr/bin/setpriv")
        guard await probe.exitStatus() == 0 else {
            throw DaemonTestError("\(name) cannot run \(binary) (its libraries must be readable by \(name)): \(probe.stderr)")
        }
        try FileManager.default.createDirectory(atPath: workspace.outbox, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: workspace.state, withIntermediateDirectories: true)
        try own([workspace.inbox, workspace.outbox, workspace.state])
        let daemon = try DaemonProcess(arguments: arguments(binary, workspace.runArguments(extra)),
                                       directory: workspace.root, executable: "/usr/bin/setpriv")
        try await daemon.waitUntilStarted()
        return daemon
    }

    private static func arguments(_ binary: String, _ arguments: [String]) -> [String] {
        ["--reuid=\(name)", "--regid=\(group)", "--clear-groups", "--inh-caps=-all", binary] + arguments
    }
}
