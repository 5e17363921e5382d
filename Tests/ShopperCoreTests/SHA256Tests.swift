import Foundation
import Testing
@testable import ShopperCore

/// FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"), streaming, and the
/// system's `sha256sum` on a file.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hex(of: Array(message.utf8)) == digest)
    }

    @Test func oneMillionAs() {
        #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Multi-megabyte input, one shot and streamed in uneven slices (8 MiB of zeros, `sha256sum`).
    @Test func eightMebibytesOfZeros() {
        let bytes = [UInt8](repeating: 0, count: 8 << 20)
        let digest = "2daeb1f36095b44b318410b3f4e8b5d989dcc7bb023d1426c492dab0a3053e74"
        #expect(SHA256.hex(of: bytes) == digest)
        var hasher = SHA256()
        bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(offset + 1_000_003, all.count)
                hasher.update(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                offset = end
            }
        }
        #expect(hasher.finalize().hexString == digest)
    }

    /// Padding boundaries: lengths around 55/56/64 bytes take different padding paths.
    @Test(arguments: [55, 56, 63, 64, 65, 119, 120, 128])
    func streamingInChunksEqualsOneShot(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for chunk in [1, 3, 17, 64, 100] {
            var hasher = SHA256()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                hasher.update(Array(bytes[offset..<end]))
                offset = end
            }
            #expect(hasher.finalize().hexString == SHA256.hex(of: bytes), "chunk \(chunk)")
        }
    }

    @Test func matchesSystemSha256sum() throws {
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<3_000_003).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.split(separator: " ").first.map(String.init) == SHA256.hex(of: bytes))
    }
}

/// A small deterministic generator for test data (Steele, Lea, Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
