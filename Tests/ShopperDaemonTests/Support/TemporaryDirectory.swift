import Foundation

/// A fresh directory under /tmp, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {  // immutable after init
    let path: String

    init(_ label: String = "shopperd-test") throws {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    /// `path/name` as bytes (names may not be UTF-8).
    func bytes(of name: [UInt8]) -> [UInt8] {
        Array(path.utf8) + [UInt8(ascii: "/")] + name
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
