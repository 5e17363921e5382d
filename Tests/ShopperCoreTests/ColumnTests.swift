import Testing
@testable import ShopperCore

@Suite struct ColumnTests {
    @Test func eighteenColumnsSeventeenInputs() {
        #expect(Column.allCases.count == 18)
        #expect(Column.inputs.count == 17)
        #expect(!Column.inputs.contains(.revenue))
        #expect(Column.inputs.filter(\.isCategorical).map(\.name)
            == ["Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"])
    }

    @Test(arguments: [("Feb", Month.feb), ("June", .jun), ("jun", .jun), ("DECEMBER", .dec), ("sept", .sep)])
    func monthSpellings(text: String, month: Month) {
        #expect(Month(parsing: text) == month)
    }

    @Test(arguments: ["", "Ju", "Juni", "13", "Febr"])
    func monthRejects(text: String) {
        #expect(Month(parsing: text) == nil)
    }

    @Test func monthNormalisesToThreeLetters() {
        #expect(Month.allCases.map(\.name).joined(separator: ",")
            == "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec")
    }

    @Test func visitorTypeAnyCase() {
        #expect(VisitorType(parsing: "returning_visitor") == .returning)
        #expect(VisitorType(parsing: "New_Visitor") == .new)
        #expect(VisitorType(parsing: "OTHER") == .other)
        #expect(VisitorType(parsing: "Returning") == nil)
    }
}
