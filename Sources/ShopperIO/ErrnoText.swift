import SystemPackage

/// Renders an `errno` value for operators: the C library's message (`strerror`, through
/// swift-system's `Errno`), alone or with the number. The one place shopperd turns errno into text.
package enum ErrnoText {
    /// "No such file or directory".
    package static func message(_ code: Int32) -> String {
        Errno(rawValue: code).description
    }

    /// "No such file or directory (errno 2)".
    package static func describe(_ code: Int32) -> String {
        "\(message(code)) (errno \(code))"
    }
}
