import Testing
@testable import ShopperInbox
@testable import ShopperPipeline

@Suite struct OutboxStemTests {
    private func stem(_ text: String) -> String { InboxFileName(text)!.outboxStem }

    @Test func stemDropsCsvExtension() {
        #expect(stem("sessions-0423.csv") == "sessions-0423")
        #expect(stem("UPPER.CSV") == "UPPER")
        #expect(stem("no-extension") == "no-extension")
        #expect(stem("two.dots.csv") == "two.dots")
    }

    @Test func stemIsSafeForHostileNames() {
        #expect(stem("-rf evil.csv") == "_-rf_evil")
        #expect(stem("line\nbreak.csv") == "line_break")
        #expect(InboxFileName(bytes: [0xff, 0xfe, 0x41] + Array(".csv".utf8))!.outboxStem == "__A")
        #expect(stem(".csv") == "batch")
        #expect(stem("x.csv") == "x")
        #expect(stem(String(repeating: "a", count: 300) + ".csv").count == 120)
    }
}
