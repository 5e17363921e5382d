import ShopperStore
#if canImport(Glibc)
import Glibc
#endif

/// Gives memory back to the kernel when the daemon goes idle (the spool is empty).
///
/// Two things otherwise keep an idle daemon at its busiest footprint (measured with
/// `shopperd-bench daemon`, docs/daemon-tests.md):
/// - SQLite's page caches (16 MB per connection, see `ShopperStore.open`), which fill as the store
///   grows: +14 MB resident over the first 60 one-thousand-row batches;
/// - glibc's per-thread arenas, which keep what forest training freed: about 4 MB more resident
///   memory per retrain, 40 MB after ten.
/// The next batch reads its pages back from the kernel's page cache, which costs well under a
/// millisecond.
enum IdleMemory {
    static func release(_ store: ShopperStore) {
        store.releaseMemory()
        trimHeap()
    }

    private typealias Trim = @convention(c) (Int) -> Int32

    /// glibc's `malloc_trim`, which Swift's Glibc module does not export: looked up at run time,
    /// absent (nil) on a C library without it (musl).
    private static let mallocTrim: Trim? = {
        // dlsym(RTLD_DEFAULT, …): RTLD_DEFAULT is a null handle on glibc.
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
    }()

    /// Releases the free pages of every malloc arena; false where the C library cannot.
    @discardableResult
    static func trimHeap() -> Bool {
        guard let mallocTrim else { return false }
        _ = mallocTrim(0)
        return true
    }
}
