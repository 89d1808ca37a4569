package domain

import (
	"encoding/csv"
	"io"
)

// CSVWriter is the one way gatehouse writes CSV (the users export, reports,
// access as-of): every cell of every record, the header's included, passes
// CSVCell, so no value a person typed is ever evaluated as a formula by the
// spreadsheet that opens the file. No other package uses encoding/csv's
// Writer (a test in the module's root scans for one).
type CSVWriter struct {
	w *csv.Writer
}

// NewCSVWriter writes CSV to w; crlf ends lines with CRLF, as spreadsheet
// programs write and expect.
func NewCSVWriter(w io.Writer, crlf bool) *CSVWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = crlf
	return &CSVWriter{w: cw}
}

// Write writes one record, each cell through CSVCell.
func (c *CSVWriter) Write(cells ...string) error {
	rec := make([]string, len(cells))
	for i, v := range cells {
		rec[i] = CSVCell(v)
	}
	return c.w.Write(rec)
}

// Flush writes what is buffered and reports any error of the writes.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}
