package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// The JSON export is every record of the file, bucket by bucket, one record
// a line, in key order: diffable, greppable and streamed (a large file is
// never held in memory). Index buckets are left out: ImportAll rebuilds
// them from the records, and Check proves they match.
//
// Round trip: ImportAll of an export into a freshly created file, then
// Export, gives the first export byte for byte, plus exactly one line: the
// import's own audit event, appended to the trail. The trail is the last
// section so that this line is the only difference: the second export is
// the first with that event inserted before the closing "]\n}\n". Nothing
// volatile is exported (no export time, no sweep mark, no audit sequence,
// which follows from the trail's last id), so exporting twice gives the
// same bytes.
const (
	exportFormat  = "gatehouse-export"
	exportVersion = 1
)

type exportKind uint8

const (
	exJSON    exportKind = iota // version byte + JSON: exported as stored
	exTicket                    // binary ticket
	exHistory                   // binary history entry
	exAudit                     // binary audit event
	exBytes                     // opaque bytes, base64
	exSet                       // keys only
)

// exportBucket is one exported bucket; parts is the number of big-endian
// ids in its keys, 0 for string keys.
type exportBucket struct {
	name  []byte
	kind  exportKind
	parts int
	typ   func() any // the record type of an exJSON bucket
}

// exportBuckets in export order; the audit trail must stay last.
var exportBuckets = []exportBucket{
	{bOrg, exJSON, 0, func() any { return new(domain.Organization) }},
	{bGroups, exJSON, 1, func() any { return new(groupRecord) }},
	{bUsers, exJSON, 1, func() any { return new(userRecord) }},
	{bMembers, exJSON, 2, func() any { return new(domain.Membership) }},
	{bTeams, exJSON, 1, func() any { return new(domain.Team) }},
	{bTeamUser, exSet, 2, nil},
	{bBuildings, exJSON, 1, func() any { return new(domain.Building) }},
	{bTickets, exTicket, 1, nil},
	{bHistory, exHistory, 2, nil},
	{bWork, exJSON, 2, func() any { return new(domain.WorkReport) }},
	{bThreads, exJSON, 2, func() any { return new(domain.Thread) }},
	{bPosts, exJSON, 2, func() any { return new(domain.Post) }},
	{bAttach, exJSON, 2, func() any { return new(domain.Attachment) }},
	{bAttachBin, exBytes, 1, nil},
	{bAlerts, exJSON, 1, func() any { return new(domain.AlertSettings) }},
	{bOverdue, exBytes, 1, nil},
	{bNotices, exJSON, 1, func() any { return new(domain.Notice) }},
	{bSchedules, exJSON, 1, func() any { return new(domain.ScheduledTask) }},
	{bQueries, exJSON, 1, func() any { return new(domain.SavedQuery) }},
	{bCharts, exJSON, 1, func() any { return new(domain.Chart) }},
	{bLayouts, exJSON, 1, func() any { return new(domain.Layout) }},
	{bOutbox, exJSON, 1, func() any { return new(domain.Message) }},
	{bGuards, exJSON, 0, func() any { return new(domain.Guard) }},
	{bRequests, exJSON, 1, func() any { return new(domain.AccessRequest) }},
	{bReviews, exJSON, 1, func() any { return new(domain.Review) }},
	{bJournal, exJSON, 1, func() any { return new(journalEntry) }},
	{bReassign, exJSON, 1, func() any { return new(reassignRequest) }},
	{bMail, exJSON, 0, func() any { return new(domain.MailSettings) }},
	{bFormats, exJSON, 1, func() any { return new(domain.ReportFormat) }},
	{bRevs, exBytes, 0, nil},
	{bAudit, exAudit, 1, nil},
}

// sequenced are the buckets whose ids (the last part of each key) come
// from the bucket's own sequence: an import whose sequence is below an id
// present would hand that id out again and overwrite the record.
var sequenced = [][]byte{bGroups, bUsers, bTeams, bBuildings, bHistory, bWork, bThreads, bPosts, bAttach,
	bNotices, bSchedules, bQueries, bCharts, bOutbox, bRequests, bReviews, bJournal, bFormats}

// exportedMeta are the meta keys an export carries (ids); the schema is
// its own field and the sweep mark is derived on import.
var exportedMeta = [][]byte{keyGlobal, keyOwner, keyHistoryFrom}

// ticketJSON is domain.Ticket with the export's field names.
type ticketJSON struct {
	domain.Rev
	ID            domain.ID           `json:"id"`
	Number        domain.TicketNumber `json:"number"`
	Title         string              `json:"title"`
	Description   string              `json:"description,omitempty"`
	ProblemType   string              `json:"problem_type,omitempty"`
	CommonProblem string              `json:"common_problem,omitempty"`
	Priority      string              `json:"priority,omitempty"`
	Status        domain.Status       `json:"status"`
	Reporter      domain.ID           `json:"reporter"`
	Assignee      domain.ID           `json:"assignee,omitempty"`
	Building      domain.ID           `json:"building"`
	Room          string              `json:"room,omitempty"`
	Teams         []domain.ID         `json:"teams,omitempty"`
	VisibleTo     []domain.ID         `json:"visible_to,omitempty"`
	Parent        domain.TicketNumber `json:"parent,omitempty"`
	Created       time.Time           `json:"created,omitzero"`
	Updated       time.Time           `json:"updated,omitzero"`
	Closed        time.Time           `json:"closed,omitzero"`
}

// exportRow is one record of a bucket.
type exportRow struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	Data  []byte          `json:"data,omitempty"`
}

// Export implements domain.DataService.
func (s *session) Export(ctx context.Context, w io.Writer, format domain.ExportFormat) error {
	switch format {
	case "", domain.ExportJSON:
		return s.db.bolt.View(func(tx *bolt.Tx) error {
			r, err := s.begin(tx)
			if err != nil {
				return err
			}
			if !r.acc.Superuser {
				return domain.Errorf(domain.EForbidden, "only a superuser exports everything: the export carries password hashes (use --format csv for the user list)")
			}
			return exportJSON(ctx, tx, w)
		})
	case domain.ExportCSV:
		return s.exportUsersCSV(ctx, w)
	}
	return domain.Errorf(domain.EInvalid, "unknown export format %q: use json or csv", format)
}

// exportJSON writes every exported bucket of tx. One read transaction
// gives one consistent snapshot; it is long on a large file, as a backup is.
func exportJSON(ctx context.Context, tx *bolt.Tx, out io.Writer) error {
	w := bufio.NewWriterSize(out, 1<<16)
	fmt.Fprintf(w, "{\n\"format\": %q,\n\"version\": %d,\n\"schema\": %d,\n", exportFormat, exportVersion, btoi(tx.Bucket(bMeta).Get(keySchema)))
	meta := map[string]uint64{}
	for _, k := range exportedMeta {
		meta[string(k)] = metaID(tx, k)
	}
	seqs := map[string]uint64{}
	for _, eb := range exportBuckets {
		if !bytes.Equal(eb.name, bAudit) {
			seqs[string(eb.name)] = tx.Bucket(eb.name).Sequence()
		}
	}
	for _, part := range []struct {
		name string
		v    any
	}{{"meta", meta}, {"sequences", seqs}} {
		b, err := json.Marshal(part.v)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%q: %s,\n", part.name, b)
	}
	for i, eb := range exportBuckets {
		fmt.Fprintf(w, "%q: [", eb.name)
		n := 0
		each := tx.Bucket(eb.name).ForEach
		if bytes.Equal(eb.name, bAttachBin) {
			each = func(fn func(k, v []byte) error) error {
				return forEachAttachData(tx, func(id uint64, data []byte) error { return fn(itob(id), data) })
			}
		}
		err := each(func(k, v []byte) error {
			if n&1023 == 0 && ctx.Err() != nil {
				return ctx.Err() // cancelled: the output stops short of valid JSON
			}
			row, err := eb.row(k, v)
			if err != nil {
				return fmt.Errorf("%s record %s: %w (run `gatehouse check`)", eb.name, describeKey(k, eb.parts), err)
			}
			if n > 0 {
				if err := w.WriteByte(','); err != nil {
					return err
				}
			}
			n++
			if err := w.WriteByte('\n'); err != nil {
				return err
			}
			_, err = w.Write(row)
			return err
		})
		if err != nil {
			return err
		}
		if _, err := w.WriteString("\n]"); err != nil {
			return err
		}
		if i < len(exportBuckets)-1 {
			if err := w.WriteByte(','); err != nil {
				return err
			}
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	if _, err := w.WriteString("}\n"); err != nil {
		return err
	}
	return w.Flush()
}

// row renders one record as its export line.
func (eb exportBucket) row(k, v []byte) ([]byte, error) {
	var r exportRow
	var err error
	if r.Key, err = exportKey(k, eb.parts); err != nil {
		return nil, err
	}
	switch eb.kind {
	case exJSON:
		if len(v) == 0 || v[0] != vJSON1 || !json.Valid(v[1:]) {
			return nil, fmt.Errorf("damaged record (version %v)", head(v))
		}
		r.Value = v[1:]
	case exTicket:
		var t domain.Ticket
		if err := decTicket(v, &t); err != nil {
			return nil, err
		}
		r.Value, err = json.Marshal(ticketJSON(t))
	case exHistory:
		var h domain.HistoryEntry
		if err := decHistory(v, &h); err != nil {
			return nil, err
		}
		r.Value, err = json.Marshal(h)
	case exAudit:
		var a domain.AuditEvent
		if err := decAudit(v, &a); err != nil {
			return nil, err
		}
		r.Value, err = json.Marshal(a)
	case exBytes:
		r.Data = slices.Clone(v)
		if r.Data == nil {
			r.Data = []byte{}
		}
	case exSet:
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

func exportKey(k []byte, parts int) (json.RawMessage, error) {
	if parts == 0 {
		return json.Marshal(string(k))
	}
	if len(k) != 8*parts {
		return nil, fmt.Errorf("key of %d bytes, expected %d ids", len(k), parts)
	}
	ids := make([]uint64, parts)
	for i := range ids {
		ids[i] = btoi(k[8*i:])
	}
	return json.Marshal(ids)
}

func describeKey(k []byte, parts int) string {
	if parts == 0 || len(k) != 8*parts {
		return fmt.Sprintf("%q", k)
	}
	b, _ := exportKey(k, parts)
	return string(b)
}

// exportUsersCSV writes the user list in the import's columns: the groups of
// active memberships; Until when one of them expires (the earliest expiry,
// so re-importing never extends access).
func (s *session) exportUsersCSV(ctx context.Context, w io.Writer) error {
	var rows []domain.ImportRow
	err := s.read(func(r *txn) error {
		if err := r.acc.RequireLevel(domain.ModUsers, domain.LevelView); err != nil {
			return err
		}
		c := r.tx.Bucket(bUserName).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			u, err := getUser(r.tx, btoi(v))
			if errors.Is(err, ErrDamaged) {
				return err
			}
			if err != nil { // an index entry left by a removed user
				continue
			}
			row := domain.ImportRow{First: u.First, Last: u.Last, Email: u.Email, Username: u.Username, Phone: u.Phone, Kind: u.Kind}
			if err := prefixKeys(r.tx, bMembers, itob(u.ID), func(k []byte) error {
				m, ok, err := getMembership(r.tx, u.ID, btoi(k[8:]))
				if err != nil {
					return err
				}
				if !ok || !m.Active(r.now) {
					return nil
				}
				if g, err := getGroup(r.tx, m.GroupID); err == nil {
					row.Groups = append(row.Groups, g.Name)
				}
				if !m.Until.IsZero() && (row.Until.IsZero() || m.Until.Before(row.Until)) {
					row.Until = m.Until
				}
				return nil
			}); err != nil {
				return err
			}
			slices.Sort(row.Groups)
			for _, b := range u.Buildings {
				if bb, err := getBuilding(r.tx, b); err == nil {
					row.Buildings = append(row.Buildings, bb.Code)
				}
			}
			if u.ReportsTo != 0 {
				if m, err := getUser(r.tx, u.ReportsTo); err == nil {
					row.ReportsTo = m.Username
				}
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return domain.WriteUsersCSV(w, rows, nil)
}

// ImportAll implements domain.DataService: it replaces the seed of a fresh
// file with an export, in one transaction. The file's buckets are emptied,
// every record is written as exported (so an export of the result is the
// same bytes), the indexes are rebuilt from the records, and Check's
// invariants must hold before it commits; any problem leaves the file as
// it was. The import's own audit event is appended to the imported trail.
func (s *session) ImportAll(ctx context.Context, in io.Reader) (domain.ImportAllReport, error) {
	rep := domain.ImportAllReport{Records: map[string]int{}}
	var owner string
	err := s.write(ctx, func(w *txn) error {
		if !w.acc.Superuser {
			return domain.Errorf(domain.EForbidden, "only a superuser imports everything")
		}
		seed, err := seedOnly(w.tx)
		if err != nil {
			return err
		}
		for _, b := range allBuckets {
			if err := kvEmptyBucket(w.tx, b); err != nil {
				return err
			}
		}
		if err := readExport(ctx, w.tx, in, rep.Records); err != nil {
			return err
		}
		if err := rebuildIndexes(w.tx); err != nil {
			return err
		}
		fs, err := checkData(ctx, w.tx)
		if err != nil {
			return err
		}
		if len(fs) > 0 {
			return importFindings(fs)
		}
		u, err := getUser(w.tx, metaID(w.tx, keyOwner))
		if err != nil {
			return domain.Errorf(domain.EInvalid, "the export names no owner account")
		}
		owner, rep.Owner = u.Username, u.Username
		// The acting user was the seed's owner and is gone now: the event
		// keeps their name, with no id that would point at an imported user.
		seq, err := kvSeq(w.tx.Bucket(bAudit))
		if err != nil {
			return err
		}
		total := 0
		for _, n := range rep.Records {
			total += n
		}
		ev := domain.AuditEvent{ID: seq, At: w.now, ActorName: w.actor.Username, Entity: "file", Name: s.db.path,
			Action: "import all", Before: seed, After: fmt.Sprintf("%d records; owner %s", total, owner)}
		w.audited = true
		w.changes = append(w.changes, domain.Change{Entity: "file", Action: "import all"})
		return kvPut(w.tx.Bucket(bAudit), itob(seq), encAudit(&ev))
	})
	if err != nil {
		return domain.ImportAllReport{}, err
	}
	s.db.mu.Lock()
	s.db.owner = owner
	s.db.mu.Unlock()
	return rep, nil
}

// seedOnly refuses a file that holds anything but its seed: every change
// writes an audit event, so a trail of the seed event alone proves it.
func seedOnly(tx *bolt.Tx) (string, error) {
	a := tx.Bucket(bAudit)
	k, v := a.Cursor().First()
	if n := a.Stats().KeyN; n == 1 && k != nil {
		var ev domain.AuditEvent
		if decAudit(v, &ev) == nil && ev.Action == "seed" {
			return fmt.Sprintf("seed of %s (%s)", ev.At.UTC().Format(time.RFC3339), ev.After), nil
		}
	}
	return "", domain.Errorf(domain.EConflict, "import all needs a new file that holds nothing but its seed; this one has %d audit events: create a new file with --db NEW.db and import into it", a.Stats().KeyN)
}

func importFindings(fs []domain.Finding) error {
	var lines []string
	for i, f := range fs {
		if i == 10 {
			lines = append(lines, fmt.Sprintf("and %d more", len(fs)-10))
			break
		}
		lines = append(lines, f.String())
	}
	return domain.Errorf(domain.EInvalid, "the export is inconsistent, nothing was imported: %s", strings.Join(lines, "; "))
}

// readExport streams an export into the emptied buckets of tx.
func readExport(ctx context.Context, tx *bolt.Tx, in io.Reader, counts map[string]int) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<16))
	dec.UseNumber()
	bad := func(format string, args ...any) error {
		return domain.Errorf(domain.EInvalid, "not a gatehouse export: "+format, args...)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return bad("expected a JSON object (%v)", err)
	}
	seen := map[string]bool{}
	highest := map[string]uint64{} // per bucket, the highest id present
	var lastAudit time.Time
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return bad("%v", err)
		}
		name, _ := t.(string)
		if seen[name] {
			return bad("section %q appears twice", name)
		}
		seen[name] = true
		if name != "format" && !seen["format"] {
			return bad("the first field must be \"format\"")
		}
		switch name {
		case "format":
			var f string
			if err := dec.Decode(&f); err != nil || f != exportFormat {
				return bad("format %q", f)
			}
		case "version":
			var v int
			if err := dec.Decode(&v); err != nil || v != exportVersion {
				return domain.Errorf(domain.EInvalid, "export version %d: this gatehouse reads version %d", v, exportVersion)
			}
		case "schema":
			var v uint64
			// schema 4 changed how content is stored, not the export's
			// rows: a schema 3 export reads the same
			if err := dec.Decode(&v); err != nil || (v != SchemaVersion && v != 3 && v != 4) {
				return domain.Errorf(domain.EInvalid, "the export is of schema %d and this gatehouse writes schema %d: import it with the gatehouse that exported it", v, SchemaVersion)
			}
			if err := kvPut(tx.Bucket(bMeta), keySchema, itob(SchemaVersion)); err != nil {
				return err
			}
		case "meta":
			var m map[string]uint64
			if err := dec.Decode(&m); err != nil {
				return bad("meta: %v", err)
			}
			for k, v := range m {
				if !slices.ContainsFunc(exportedMeta, func(b []byte) bool { return string(b) == k }) {
					return bad("unknown meta field %q", k)
				}
				if err := kvPut(tx.Bucket(bMeta), []byte(k), itob(v)); err != nil {
					return err
				}
			}
		case "sequences":
			var m map[string]uint64
			if err := dec.Decode(&m); err != nil {
				return bad("sequences: %v", err)
			}
			for k, v := range m {
				b := tx.Bucket([]byte(k))
				if b == nil || k == string(bAudit) || !slices.ContainsFunc(exportBuckets, func(e exportBucket) bool { return string(e.name) == k }) {
					return bad("sequence of unknown bucket %q", k)
				}
				if err := kvSetSeq(b, v); err != nil {
					return err
				}
			}
		default:
			i := slices.IndexFunc(exportBuckets, func(e exportBucket) bool { return string(e.name) == name })
			if i < 0 {
				return bad("unknown section %q", name)
			}
			if !seen["schema"] || !seen["version"] {
				return bad("\"version\" and \"schema\" must come before the data")
			}
			n, last, top, err := readBucket(ctx, tx, dec, exportBuckets[i])
			if err != nil {
				return err
			}
			counts[name] = n
			highest[name] = top
			if last.After(lastAudit) {
				lastAudit = last
			}
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return bad("the object does not end (%v)", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("there is more after the export's closing brace: a damaged or concatenated file")
	}
	for _, name := range sequenced {
		if seq := tx.Bucket(name).Sequence(); seq < highest[string(name)] {
			return bad("sequences: %s is %d but the highest id present is %d, so new records would overwrite old ones", name, seq, highest[string(name)])
		}
	}
	for _, f := range []string{"version", "schema", "meta"} {
		if !seen[f] {
			return bad("%q is missing", f)
		}
	}
	// Expiry events were recorded up to the trail's last event (every sweep
	// that found an expiry wrote one), so the next sweep starts there.
	if !lastAudit.IsZero() {
		return kvPut(tx.Bucket(bMeta), []byte("swept_until"), itob(uint64(lastAudit.UnixNano())))
	}
	return nil
}

// readBucket reads one section's rows into its bucket; for the audit trail
// it sets the sequence to the last id and returns the last event's time.
// top is the highest last key part (the id of sequenced buckets).
func readBucket(ctx context.Context, tx *bolt.Tx, dec *json.Decoder, eb exportBucket) (int, time.Time, uint64, error) {
	var last time.Time
	bad := func(n int, format string, args ...any) error {
		return domain.Errorf(domain.EInvalid, "%s, record %d: %s", eb.name, n, fmt.Sprintf(format, args...))
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return 0, last, 0, domain.Errorf(domain.EInvalid, "%s: expected a list of records (%v)", eb.name, err)
	}
	b := tx.Bucket(eb.name)
	n := 0
	var maxID, top uint64
	for dec.More() {
		if n&1023 == 0 && ctx.Err() != nil {
			return n, last, top, ctx.Err() // cancelled: the transaction rolls back
		}
		n++
		var r exportRow
		if err := dec.Decode(&r); err != nil {
			return n, last, top, bad(n, "%v", err)
		}
		k, err := importKey(r.Key, eb.parts)
		if err != nil {
			return n, last, top, bad(n, "key: %v", err)
		}
		if hasKey(tx, eb.name, k) || (bytes.Equal(eb.name, bAttachBin) && hasAttachData(tx, btoi(k))) {
			return n, last, top, bad(n, "key %s appears twice", r.Key)
		}
		v, err := eb.value(k, &r)
		if err != nil {
			return n, last, top, bad(n, "%v", err)
		}
		if eb.kind == exAudit {
			var a domain.AuditEvent
			if err := decAudit(v, &a); err != nil {
				return n, last, top, bad(n, "%v", err)
			}
			last = a.At
			maxID = max(maxID, btoi(k))
		}
		if len(k) >= 8 {
			top = max(top, btoi(k[len(k)-8:]))
		}
		if bytes.Equal(eb.name, bAttachBin) {
			err = putAttachData(tx, btoi(k), v)
		} else {
			err = kvPut(b, k, v)
		}
		if err != nil {
			return n, last, top, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, last, top, domain.Errorf(domain.EInvalid, "%s: %v", eb.name, err)
	}
	if eb.kind == exAudit {
		if err := kvSetSeq(b, maxID); err != nil {
			return n, last, top, err
		}
	}
	return n, last, top, nil
}

func importKey(raw json.RawMessage, parts int) ([]byte, error) {
	if parts == 0 {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return nil, fmt.Errorf("expected a name, got %s", raw)
		}
		return []byte(s), nil
	}
	var ids []uint64
	if err := json.Unmarshal(raw, &ids); err != nil || len(ids) != parts {
		return nil, fmt.Errorf("expected %d ids, got %s", parts, raw)
	}
	return key(ids...), nil
}

// value turns a row back into the stored bytes, refusing fields the record
// type does not have and records whose id disagrees with their key.
func (eb exportBucket) value(k []byte, r *exportRow) ([]byte, error) {
	strict := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(r.Value))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return err
		}
		if d.More() {
			return fmt.Errorf("trailing data after the value")
		}
		return nil
	}
	switch eb.kind {
	case exSet:
		if r.Value != nil || r.Data != nil {
			return nil, fmt.Errorf("a membership row has only a key")
		}
		return nil, nil
	case exBytes:
		if r.Data == nil {
			return nil, fmt.Errorf("missing data")
		}
		return r.Data, nil
	case exJSON:
		if len(r.Value) == 0 {
			return nil, fmt.Errorf("missing value")
		}
		if err := strict(eb.typ()); err != nil {
			return nil, err
		}
		var c bytes.Buffer
		c.WriteByte(vJSON1)
		if err := json.Compact(&c, r.Value); err != nil {
			return nil, err
		}
		return c.Bytes(), nil
	case exTicket:
		var t ticketJSON
		if err := strict(&t); err != nil {
			return nil, err
		}
		if uint64(t.Number) != btoi(k) {
			return nil, fmt.Errorf("ticket number %d under key %d", t.Number, btoi(k))
		}
		dt := domain.Ticket(t)
		return encTicket(&dt), nil
	case exHistory:
		var h domain.HistoryEntry
		if err := strict(&h); err != nil {
			return nil, err
		}
		if h.Ticket != btoi(k) {
			return nil, fmt.Errorf("history of ticket %d under ticket %d", h.Ticket, btoi(k))
		}
		return encHistory(&h), nil
	case exAudit:
		var a domain.AuditEvent
		if err := strict(&a); err != nil {
			return nil, err
		}
		if a.ID != btoi(k) {
			return nil, fmt.Errorf("audit event %d under key %d", a.ID, btoi(k))
		}
		return encAudit(&a), nil
	}
	return nil, fmt.Errorf("unknown record kind")
}
