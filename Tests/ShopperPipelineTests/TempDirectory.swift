import Foundation

/// A fresh directory under /tmp for one test, removed when the value goes away.
final class TempDirectory: @unchecked Sendable {
    let path: String

    init(_ label: String = "shopperd-test") {
        let template = NSTemporaryDirectory() + "\(label)-XXXXXX"
        var buffer = Array(template.utf8CString)
        let result = buffer.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(cString: buffer.withUnsafeBufferPointer { $0.baseAddress! })
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func subdirectory(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: file(name), withIntermediateDirectories: true)
        return file(name)
    }

    func entries(_ name: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : file(name))) ?? []).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
