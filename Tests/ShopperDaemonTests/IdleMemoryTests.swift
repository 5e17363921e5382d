import Foundation
import ShopperStore
import Testing
@testable import ShopperDaemon

/// What the daemon gives back when it goes idle: SQLite's caches and the heap's free pages.
@Suite struct IdleMemoryTests {
    /// A `kB` field of /proc/self/status.
    static func status(_ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    @Test func freedHeapPagesGoBackToTheKernel() throws {
        // 40 MB of small blocks, all freed but the last, which pins the top of the heap so that
        // free() alone cannot shrink it: the freed pages stay resident until trimmed.
        let blocks = (0..<20_000).map { _ in malloc(2_048)! }
        for block in blocks { memset(block, 0x5A, 2_048) }
        for block in blocks.dropLast() { free(block) }
        defer { free(blocks.last!) }
        let before = Self.status("RssAnon")
        try #require(IdleMemory.trimHeap(), "glibc's malloc_trim was not found")
        let after = Self.status("RssAnon")
        #expect(before - after >= 20_000, "RssAnon \(before) kB → \(after) kB")
    }

    @Test func theStoreKeepsWorkingAfterReleasingItsCaches() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idle-memory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ShopperStore.open(directory: directory)
        #expect(try store.currentVersion() == 0)
        IdleMemory.release(store)
        #expect(try store.currentVersion() == 0)
        #expect(try store.aliases().isEmpty)
        #expect(try store.jobs().isEmpty)
    }
}
