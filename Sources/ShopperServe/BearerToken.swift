import ShopperCore
import ShopperIO
#if canImport(Glibc)
import Glibc
#endif

/// The secret a client must send as `Authorization: Bearer TOKEN` to score or read metadata.
/// Read once at start from `--token-file PATH` or the systemd credential `serve-token`
/// (`$CREDENTIALS_DIRECTORY/serve-token`, from `LoadCredential=`); never logged, never echoed.
package struct BearerToken: Sendable {
    /// The token's SHA-256: requests are compared digest to digest, in constant time, so neither
    /// the token's bytes nor its length show in how long a refusal takes.
    private let digest: [UInt8]

    /// The credential name for `LoadCredential=serve-token:PATH`.
    package static let credentialName = "serve-token"
    /// Longer than any sensible token: a larger file is not one.
    static let maxBytes = 4096

    package init(token: String) throws(BearerTokenError) {
        guard !token.isEmpty else { throw .empty }
        // RFC 6750's token68 characters (what a client can send after "Bearer ").
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=".utf8)
        guard token.utf8.allSatisfy(allowed.contains) else { throw .badCharacters }
        digest = SHA256.digest(of: Array(token.utf8))
    }

    /// The token from `--token-file` if given, else from the `serve-token` credential if systemd
    /// passed one, else nil (no authentication).
    package static func load(tokenFile: String?, environment: [String: String]) throws(BearerTokenError) -> BearerToken? {
        if let tokenFile { return try read(path: tokenFile, requireOwnerOnly: true) }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = directory + "/" + credentialName
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        // systemd makes credentials readable by the service's user only (0400, its own mount).
        return try read(path: path, requireOwnerOnly: false)
    }

    /// Reads a token file: its content, without the final line break (`echo TOKEN > FILE` works).
    static func read(path: String, requireOwnerOnly: Bool) throws(BearerTokenError) -> BearerToken {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        if requireOwnerOnly, info.st_mode & 0o077 != 0 {
            throw .tooOpen(path: path, mode: String(info.st_mode & 0o777, radix: 8))
        }
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path: path, maxBytes: maxBytes)
        } catch {
            throw .unreadable(path: path, reason: Self.explain(error))
        }
        var text = String(decoding: bytes, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        do {
            return try BearerToken(token: text)
        } catch {
            throw .badContent(path: path, problem: error)
        }
    }

    /// Whether an `Authorization` header value carries this token (`Bearer TOKEN`, the scheme in
    /// any case).
    package func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let offered = SHA256.digest(of: Array(parts[1].trimmingPrefixSpaces().utf8))
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ offered[index] }
        return difference == 0
    }

    private static func explain(_ error: WholeFile.Failure) -> String {
        switch error {
        case .system(let failure): String(describing: failure)
        case .notRegularFile: "not a regular file"
        case .tooLarge(let bytes, let limit): "\(bytes) bytes, more than a token (\(limit) at most)"
        }
    }
}

private extension Substring {
    func trimmingPrefixSpaces() -> Substring { drop { $0 == " " } }
}

extension SHA256 {
    /// The 32-byte digest of `bytes`.
    static func digest(of bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// Why a bearer token cannot be used.
package enum BearerTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case badCharacters
    case unreadable(path: String, reason: String)
    case tooOpen(path: String, mode: String)
    indirect case badContent(path: String, problem: BearerTokenError)

    package var description: String {
        switch self {
        case .empty: "the token is empty"
        case .badCharacters: "the token has characters a Bearer header cannot carry: use letters, digits and - . _ ~ + / = only (e.g. `openssl rand -hex 32`)"
        case .unreadable(let path, let reason): "cannot read the token file \(path): \(reason)"
        case .tooOpen(let path, let mode):
            "the token file \(path) is readable by group or others (mode \(mode)): make it the owner's only (chmod 600 \(path))"
        case .badContent(let path, let problem): "the token file \(path): \(problem)"
        }
    }
}
