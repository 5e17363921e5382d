import Foundation

/// A fresh directory under the temporary directory for one test, removed when the value is released.
package final class TemporaryDirectory: @unchecked Sendable {  // immutable after init
    package let path: String
    package var url: URL { URL(fileURLWithPath: path) }

    package init(_ label: String = "shopperd-test") throws(TestFailure) {
        var template = Array((NSTemporaryDirectory() + "\(label)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    /// `path/name`.
    package func file(_ name: String) -> String { path + "/" + name }

    /// `path/name` as bytes (names may not be UTF-8).
    package func bytes(of name: [UInt8]) -> [UInt8] {
        Array(path.utf8) + [UInt8(ascii: "/")] + name
    }

    /// Writes `text` to `path/name`; returns that path.
    @discardableResult
    package func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    /// Creates `path/name` (and missing parents); returns it.
    package func subdirectory(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: file(name), withIntermediateDirectories: true)
        return file(name)
    }

    /// The names in `path/name` (or `path`), sorted; empty when it does not exist.
    package func entries(_ name: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : file(name))) ?? []).sorted()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A failure of a test's own set-up (not of the code under test), saying what went wrong.
package struct TestFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
