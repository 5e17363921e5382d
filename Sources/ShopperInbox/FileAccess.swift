#if canImport(Glibc)
import Glibc
#endif

/// Who owns a file, its mode, and who the service runs as: what an operator needs to see why the
/// service may not read it, and to fix it.
package struct FileAccess: Sendable, Equatable, CustomStringConvertible {
    package let owner: String
    package let group: String
    /// The permission bits (`0600`).
    package let mode: UInt32
    package let serviceUser: String
    package let serviceGroup: String

    package init(_ info: stat) {
        owner = Self.userName(info.st_uid)
        group = Self.groupName(info.st_gid)
        mode = UInt32(info.st_mode) & 0o7777
        serviceUser = Self.userName(geteuid())
        serviceGroup = Self.groupName(getegid())
    }

    package var description: String {
        let octal = String(mode, radix: 8)
        return "owned by \(owner):\(group) with mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal), "
            + "and shopperd runs as \(serviceUser):\(serviceGroup)"
    }

    /// The user's name, or its number when it has none here (under `PrivateUsers=` another user's
    /// file shows as the overflow uid, 65534).
    /// (The reentrant lookups: the plain ones share a static buffer across threads.)
    static func userName(_ uid: uid_t) -> String {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { raw in
            guard getpwuid_r(uid, &entry, raw.baseAddress!, raw.count, &found) == 0, found != nil, let name = entry.pw_name else {
                return "uid \(uid)"
            }
            return String(cString: name)
        }
    }

    static func groupName(_ gid: gid_t) -> String {
        var entry = Glibc.group()
        var found: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { raw in
            guard getgrgid_r(gid, &entry, raw.baseAddress!, raw.count, &found) == 0, found != nil, let name = entry.gr_name else {
                return "gid \(gid)"
            }
            return String(cString: name)
        }
    }
}
