import Testing
@testable import ShopperPipeline

@Suite struct InputNameTests {
    @Test func stemDropsCsvExtension() {
        #expect(InputName("sessions-0423.csv").outboxStem == "sessions-0423")
        #expect(InputName("UPPER.CSV").outboxStem == "UPPER")
        #expect(InputName("no-extension").outboxStem == "no-extension")
    }

    @Test func stemIsSafeForHostileNames() {
        #expect(InputName("-rf evil.csv").outboxStem == "_-rf_evil")
        #expect(InputName("line\nbreak.csv").outboxStem == "line_break")
        #expect(InputName(bytes: [0xff, 0xfe, 0x41] + Array(".csv".utf8)).outboxStem == "__A")
        #expect(InputName(".csv").outboxStem == "batch")
        #expect(InputName(String(repeating: "a", count: 300) + ".csv").outboxStem.count == 120)
    }

    @Test func descriptionEscapesControlAndInvalidBytes() {
        #expect(InputName("a\nb.csv").description == "a\\nb.csv")
        #expect(InputName(bytes: [0x61, 0xff, 0x62]).description == "a\\xffb")
        #expect(InputName("café.csv").description == "café.csv")
    }

    @Test func incompleteNamesWaitForRename() {
        #expect(InputName(".upload.csv").isIncomplete)
        #expect(InputName("batch.csv.tmp").isIncomplete)
        #expect(InputName("batch.csv.part").isIncomplete)
        #expect(!InputName("batch.csv").isIncomplete)
    }
}
