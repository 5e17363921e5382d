import Foundation
import ShopperTestSupport

/// A pseudo-terminal pair, so a child process can have a real terminal as stderr.
final class PseudoTerminal: @unchecked Sendable {  // immutable after init
    let leader: Int32
    let follower: FileHandle

    init() throws {
        // posix_openpt/grantpt/unlockpt are not exported by Swift's Glibc module; these are the
        // ioctls they wrap; the request numbers are _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned),
        // function-like macros Swift cannot import (same values on x86_64 and aarch64).
        let TIOCSPTLCK: UInt = 0x4004_5431
        let TIOCGPTN: UInt = 0x8004_5430
        leader = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard leader >= 0, ioctl(leader, TIOCSPTLCK, &unlock) == 0, ioctl(leader, TIOCGPTN, &number) == 0 else {
            throw TestFailure("cannot open a pseudo-terminal: errno \(errno)")
        }
        let fd = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("cannot open /dev/pts/\(number): errno \(errno)") }
        follower = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// `device:inode` of the terminal, as systemd writes JOURNAL_STREAM.
    var journalStreamValue: String {
        var info = stat()
        fstat(follower.fileDescriptor, &info)
        return "\(info.st_dev):\(info.st_ino)"
    }

    deinit { close(leader) }
}
