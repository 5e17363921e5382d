import CCrypto

/// SHA-256 (FIPS 180-4), computed by the system's libcrypto (OpenSSL 3, EVP interface).
///
/// The store identifies every batch by the SHA-256 of its bytes (re-ingesting a file is a no-op)
/// and every model file by its digest. libcrypto uses the CPU's SHA instructions where it has them
/// (about four times the speed of the hand-written Swift this replaced), and it is already loaded
/// by every shopperd process (FoundationNetworking's libcurl links it). Tested against the NIST
/// example vectors and `sha256sum`.
///
/// Usage: `SHA256.hex(of: bytes)` for one shot, or `var h = SHA256(); h.update(...); h.finalize()`
/// to hash a stream. Not copyable: a hasher owns its libcrypto context.
package struct SHA256: ~Copyable {
    private let context: OpaquePointer

    package init() {
        guard let context = EVP_MD_CTX_new() else { Self.fail("EVP_MD_CTX_new") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { Self.fail("EVP_DigestInit_ex") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// The lowercase hexadecimal digest of `bytes`.
    package static func hex(of bytes: some Sequence<UInt8>) -> String {
        Array(bytes).withUnsafeBytes { hex(of: $0) }
    }

    /// The lowercase hexadecimal digest of `bytes`, without copying them.
    package static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize().hexString
    }

    /// Feeds more bytes.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds more bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { Self.fail("EVP_DigestUpdate") }
    }

    /// The 32-byte digest of everything fed.
    package consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else { Self.fail("EVP_DigestFinal_ex") }
        return Array(digest.prefix(32))
    }

    /// libcrypto refused SHA-256: only a broken installation or configuration does that (no memory,
    /// or an OPENSSL_CONF / openssl.cnf whose providers lack SHA-256), and nothing can be stored
    /// without digests, so the process stops with libcrypto's reason.
    private static func fail(_ function: String) -> Never {
        let code = ERR_get_error()
        var reason = "no error queued"
        if code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        fatalError("libcrypto could not compute SHA-256 (\(function) failed: \(reason)); "
            + "check the OpenSSL installation (libssl3) and OPENSSL_CONF / openssl.cnf providers")
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hexadecimal, two digits a byte.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
