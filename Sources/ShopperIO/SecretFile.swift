#if canImport(Glibc)
import Glibc
#endif

/// Reads a secret (a token, a password, a webhook URL) from a file: a systemd credential under
/// `$CREDENTIALS_DIRECTORY`, or a file named in the settings, which must then be a regular file
/// that neither group nor others can read. Errors name the file and what to do, never the content.
package enum SecretFile {
    /// Longer than any token, password or URL: a larger file is not one.
    package static let maxBytes = 64 * 1024

    /// The file's text without one trailing newline. With `ownerOnly`, a file that group or
    /// others can read is refused unread (its content may already have leaked).
    /// `what` names the secret in messages ("the MLflow token file /etc/…").
    package static func read(path: String, what: String, ownerOnly: Bool) throws(SecretFileError) -> String {
        if ownerOnly {
            var info = stat()
            guard stat(path, &info) == 0 else { throw SecretFileError("cannot read \(what): \(FileSystemError("stat", path: path))") }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw SecretFileError("\(what) is not a regular file") }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                throw SecretFileError("\(what) has mode \(String(mode, radix: 8)), readable by group or others: "
                    + "`chmod 600 \(path)` (and keep it owned by the user shopperd runs as), or use a systemd credential")
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path: path, maxBytes: maxBytes)
        } catch {
            switch error {
            case .system(let failure): throw SecretFileError("cannot read \(what): \(failure)")
            case .notRegularFile: throw SecretFileError("\(what) is not a regular file")
            case .tooLarge(let size, let limit): throw SecretFileError("\(what) has \(size) bytes, more than a secret (\(limit))")
            }
        }
        var text = String(decoding: bytes, as: UTF8.self)
        // "\r\n" is one Character, which `hasSuffix("\n")` does not match: removed whole.
        if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
        guard !text.isEmpty else { throw SecretFileError("\(what) is empty") }
        return text
    }

    /// Whether a file exists at `path` (a credential is optional; when present it is read).
    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

/// Why a secret could not be read; the message names the file, never its content.
package struct SecretFileError: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
