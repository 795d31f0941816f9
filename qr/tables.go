package qr

// Constants transcribed from ISO/IEC 18004:2015. The tests check them
// against each other and against values counted in the built symbol.

// totalCodewords is Table 1's "number of codewords" per version (index 0
// unused): the data modules of the symbol divided by 8, after the function
// patterns, format and version information take their share.
var totalCodewords = [41]uint16{0,
	26, 44, 70, 100, 134, 172, 196, 242, 292, 346,
	404, 466, 532, 581, 655, 733, 815, 901, 991, 1085,
	1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185,
	2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706,
}

// ecTable is Table 9 per version (index 0 unused): for levels L, M, Q, H
// in turn, the error correction codewords in each block and the number of
// blocks. Table 9 splits the blocks into a group of short blocks followed
// by a group one data codeword longer; both follow from these two numbers
// and the version's total (see blocks).
var ecTable = [41][4][2]uint8{{},
	{{7, 1}, {10, 1}, {13, 1}, {17, 1}},
	{{10, 1}, {16, 1}, {22, 1}, {28, 1}},
	{{15, 1}, {26, 1}, {18, 2}, {22, 2}},
	{{20, 1}, {18, 2}, {26, 2}, {16, 4}},
	{{26, 1}, {24, 2}, {18, 4}, {22, 4}},
	{{18, 2}, {16, 4}, {24, 4}, {28, 4}},
	{{20, 2}, {18, 4}, {18, 6}, {26, 5}},
	{{24, 2}, {22, 4}, {22, 6}, {26, 6}},
	{{30, 2}, {22, 5}, {20, 8}, {24, 8}},
	{{18, 4}, {26, 5}, {24, 8}, {28, 8}},
	{{20, 4}, {30, 5}, {28, 8}, {24, 11}},
	{{24, 4}, {22, 8}, {26, 10}, {28, 11}},
	{{26, 4}, {22, 9}, {24, 12}, {22, 16}},
	{{30, 4}, {24, 9}, {20, 16}, {24, 16}},
	{{22, 6}, {24, 10}, {30, 12}, {24, 18}},
	{{24, 6}, {28, 10}, {24, 17}, {30, 16}},
	{{28, 6}, {28, 11}, {28, 16}, {28, 19}},
	{{30, 6}, {26, 13}, {28, 18}, {28, 21}},
	{{28, 7}, {26, 14}, {26, 21}, {26, 25}},
	{{28, 8}, {26, 16}, {30, 20}, {28, 25}},
	{{28, 8}, {26, 17}, {28, 23}, {30, 25}},
	{{28, 9}, {28, 17}, {30, 23}, {24, 34}},
	{{30, 9}, {28, 18}, {30, 25}, {30, 30}},
	{{30, 10}, {28, 20}, {30, 27}, {30, 32}},
	{{26, 12}, {28, 21}, {30, 29}, {30, 35}},
	{{28, 12}, {28, 23}, {28, 34}, {30, 37}},
	{{30, 12}, {28, 25}, {30, 34}, {30, 40}},
	{{30, 13}, {28, 26}, {30, 35}, {30, 42}},
	{{30, 14}, {28, 28}, {30, 38}, {30, 45}},
	{{30, 15}, {28, 29}, {30, 40}, {30, 48}},
	{{30, 16}, {28, 31}, {30, 43}, {30, 51}},
	{{30, 17}, {28, 33}, {30, 45}, {30, 54}},
	{{30, 18}, {28, 35}, {30, 48}, {30, 57}},
	{{30, 19}, {28, 37}, {30, 51}, {30, 60}},
	{{30, 19}, {28, 38}, {30, 53}, {30, 63}},
	{{30, 20}, {28, 40}, {30, 56}, {30, 66}},
	{{30, 21}, {28, 43}, {30, 59}, {30, 70}},
	{{30, 22}, {28, 45}, {30, 62}, {30, 74}},
	{{30, 24}, {28, 47}, {30, 65}, {30, 77}},
	{{30, 25}, {28, 49}, {30, 68}, {30, 81}},
}

// alignStep is the spacing of alignment pattern centres in Annex E,
// Table E.1, per version (index 0 unused, version 1 has none). The centres
// run from 6 to Size-7; all gaps equal the step except the first, which
// takes the remainder (versions 2-6 have only the two end positions).
var alignStep = [41]uint8{0, 0,
	12, 16, 20, 24, 28, 16, 18, 20, 22, 24, 26, 28, // 2-13
	20, 22, 24, 24, 26, 28, 28, // 14-20
	22, 24, 24, 26, 26, 28, 28, // 21-27
	24, 24, 26, 26, 26, 28, 28, // 28-34
	24, 26, 26, 26, 28, 28, // 35-40
}

// alignCentres lists the row (and column) coordinates of alignment pattern
// centres for version v, as in Table E.1.
func alignCentres(v int) []int {
	if v < 2 {
		return nil
	}
	n := v/7 + 2 // Table E.1: 2 for versions 2-6, one more every 7 versions
	c := make([]int, n)
	c[0] = 6
	for i, p := n-1, 4*v+10; i > 0; i, p = i-1, p-int(alignStep[v]) {
		c[i] = p
	}
	return c
}
