package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// Buckets: one per entity, keyed by big-endian uint64 ids, plus index
// buckets with composite keys read by prefix.
var (
	bMeta      = []byte("meta")
	bOrg       = []byte("org")
	bGroups    = []byte("groups")
	bGroupName = []byte("idx_group_name") // lower(name) → id
	bUsers     = []byte("users")
	bUserName  = []byte("idx_user_name")  // lower(username) → id
	bUserEmail = []byte("idx_user_email") // lower(email) → id
	bUserKey   = []byte("idx_user_key")   // fingerprint → id
	bMembers   = []byte("members")        // user|group → membership
	bGroupUser = []byte("idx_group_user") // group|user → nil
	bReports   = []byte("idx_reports")    // manager|user → nil
	bTeams     = []byte("teams")
	bTeamName  = []byte("idx_team_name") // lower(name) → id
	bTeamUser  = []byte("team_members")  // team|user → nil
	bUserTeam  = []byte("idx_user_team") // user|team → nil
	bBuildings = []byte("buildings")
	bBldCode   = []byte("idx_building_code") // lower(code) → id
	bTickets   = []byte("tickets")           // number → ticket
	bTStatus   = []byte("idx_ticket_status") // status|updated|number
	bTBuilding = []byte("idx_ticket_building")
	bTAssignee = []byte("idx_ticket_assignee")
	bTReporter = []byte("idx_ticket_reporter")
	bTParent   = []byte("idx_ticket_parent") // parent|child
	bTTeam     = []byte("idx_ticket_team")   // team|number
	bTGroup    = []byte("idx_ticket_group")  // visible-to group|number
	bTCount    = []byte("ticket_counts")     // status → number of tickets
	bHistory   = []byte("history")           // number|seq → entry
	bWork      = []byte("work")              // number|id → report
	bWorkUser  = []byte("idx_work_author")   // author|number|id
	bAudit     = []byte("audit")
	bNotices   = []byte("notices")
	bSchedules = []byte("schedules")
	bOutbox    = []byte("outbox")       // id → message
	bOverdue   = []byte("overdue_sent") // number → highest overdue level notified
	bQueries   = []byte("saved_queries")
	bThreads   = []byte("threads")     // number|id → thread
	bPosts     = []byte("posts")       // number|id → post
	bAttach    = []byte("attachments") // number|id → attachment
	bAttachBin = []byte("attachment_data")
	bAlerts    = []byte("alerts") // number → alert settings
	bCharts    = []byte("charts")
	bLayouts   = []byte("layouts")           // group → layout
	bGuards    = []byte("guards")            // lower(name) → guard (R17)
	bRequests  = []byte("access_requests")   // id → access request (R18)
	bReviews   = []byte("reviews")           // id → review campaign (R19)
	bJournal   = []byte("access_journal")    // seq → access record before a change (store/journal.go)
	bReassign  = []byte("reassign_requests") // number → the assignee's request (store/reassign.go)
	bMail      = []byte("mail")              // "settings" → mail settings (never a password)
	bFormats   = []byte("report_formats")    // id → a group's report format
	bRevs      = []byte("revs")              // "entity/id" → when each of its fields last changed

	keySchema = []byte("schema")
	keyOwner  = []byte("owner")
	keyGlobal = []byte("global_team")
	keyOrg    = []byte("org")
)

var allBuckets = [][]byte{bMeta, bOrg, bGroups, bGroupName, bUsers, bUserName, bUserEmail, bUserKey,
	bMembers, bGroupUser, bReports, bTeams, bTeamName, bTeamUser, bUserTeam, bBuildings, bBldCode,
	bTickets, bTStatus, bTBuilding, bTAssignee, bTReporter, bTParent, bHistory, bWork, bWorkUser,
	bAudit, bNotices, bSchedules, bOutbox, bOverdue, bQueries, bThreads, bPosts, bAttach, bAttachBin,
	bAlerts, bCharts, bLayouts, bTTeam, bTGroup, bTCount, bGuards, bRequests, bReviews, bJournal, bMail, bReassign,
	bFormats, bRevs}

// errStop ends a prefix walk early; callers treat it as success.
var errStop = errors.New("stop")

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// key joins big-endian ids into one composite key.
func key(ids ...uint64) []byte {
	b := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	return b
}

func lower(s string) []byte { return []byte(strings.ToLower(s)) }

func metaID(tx *bolt.Tx, k []byte) uint64 { return btoi(tx.Bucket(bMeta).Get(k)) }

// prefixKeys calls fn with every key that starts with prefix.
func prefixKeys(tx *bolt.Tx, bucket, prefix []byte, fn func(k []byte) error) error {
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// suffixIDs lists the second id of every composite key under the first.
func suffixIDs(tx *bolt.Tx, bucket []byte, first uint64) []uint64 {
	var out []uint64
	_ = prefixKeys(tx, bucket, itob(first), func(k []byte) error {
		out = append(out, btoi(k[8:]))
		return nil
	})
	return out
}

// exists reports whether a key is in a bucket. Index keys carry empty
// values, and bbolt's Get returns nil for a key written with a nil value
// earlier in the same transaction, so presence is read with a cursor.
func exists(tx *bolt.Tx, bucket, k []byte) bool {
	got, _ := tx.Bucket(bucket).Cursor().Seek(k)
	return got != nil && bytes.Equal(got, k)
}

func hasPrefix(tx *bolt.Tx, bucket []byte, prefix []byte) bool {
	k, _ := tx.Bucket(bucket).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// lastDate bounds every date a user enters (membership expiry, notice
// dates, a schedule's next run): nothing in a helpdesk is planned past
// 2199, and a far-future date such as 9999-12-31 would otherwise fail deep
// in the encoder with a message that names no field.
var lastDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// checkDate refuses a date after lastDate or before year 1, naming field.
func checkDate(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if !t.Before(lastDate) || t.Year() < 1 {
		// the date is not repeated: an expiry "through" a day is stored as
		// the next midnight, which is not what the user typed
		return domain.Errorf(domain.EInvalid, "%s is out of range: use a date before 2200-01-01", field)
	}
	return nil
}

func notFound(what, name string) error {
	return domain.Errorf(domain.ENotFound, "%s %q not found", what, name)
}

// ErrDamaged is matched (errors.Is) by every error about a stored record
// that cannot be decoded. Damage is never reported as "not found": that
// would invite the user to create the thing again over the damaged record.
var ErrDamaged = errors.New("record damaged")

// damagedError names the entity and key of a record that fails to decode.
type damagedError struct {
	what string
	key  string
	err  error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("%s %v: record damaged: %v (run `gatehouse check`; restore from a backup if it cannot repair it)", e.what, e.key, e.err)
}

func (e *damagedError) Unwrap() []error { return []error{ErrDamaged, e.err} }

// damaged is the error for a record of what (a user, a ticket) under key
// that cannot be decoded.
func damaged(what, key string, err error) error {
	return &damagedError{what: what, key: key, err: err}
}

// entityNames name the records of the buckets read with getJSON.
var entityNames = map[string]string{
	string(bUsers): "user", string(bTeams): "team", string(bBuildings): "building",
	string(bSchedules): "schedule", string(bNotices): "notice", string(bQueries): "saved query",
	string(bCharts): "chart", string(bLayouts): "layout of group", string(bOutbox): "message",
	string(bRequests): "access request", string(bReviews): "review", string(bFormats): "report format",
}

// getJSON reads the record under id into v: false when there is none, and
// a damaged error naming the record when it cannot be decoded.
func getJSON(tx *bolt.Tx, bucket []byte, id uint64, v any) (bool, error) {
	b := tx.Bucket(bucket).Get(itob(id))
	if b == nil {
		return false, nil
	}
	if err := decJSON(b, v); err != nil {
		what := entityNames[string(bucket)]
		if what == "" {
			what = string(bucket)
		}
		return false, damaged(what, fmt.Sprintf("#%d", id), err)
	}
	firstVersion(v)
	return true, nil
}

// firstVersion puts a record written before versions existed at version 1.
func firstVersion(v any) {
	if r, ok := v.(interface{ Revision() *domain.Rev }); ok && r.Revision().Version == 0 {
		r.Revision().Version = 1
	}
}

func putJSON(tx *bolt.Tx, bucket []byte, id uint64, v any) error {
	b, err := encJSON(v)
	if err != nil {
		return err
	}
	if isJournaled(bucket) {
		return jput(tx, bucket, itob(id), b)
	}
	return kvPut(tx.Bucket(bucket), itob(id), b)
}

func getGroup(tx *bolt.Tx, id uint64) (domain.Group, error) {
	var g domain.Group
	b := tx.Bucket(bGroups).Get(itob(id))
	if b == nil {
		return g, domain.Errorf(domain.ENotFound, "group #%d not found", id)
	}
	if err := decGroup(b, &g); err != nil {
		return g, damaged("group", fmt.Sprintf("#%d", id), err)
	}
	firstVersion(&g)
	return g, nil
}

func putGroup(tx *bolt.Tx, g *domain.Group) error {
	b, err := encGroup(g)
	if err != nil {
		return err
	}
	return jput(tx, bGroups, itob(g.ID), b)
}

func groupByName(tx *bolt.Tx, name string) (domain.Group, error) {
	id := btoi(tx.Bucket(bGroupName).Get(lower(name)))
	if id == 0 {
		return domain.Group{}, notFound("group", name)
	}
	return getGroup(tx, id)
}

func getUser(tx *bolt.Tx, id uint64) (domain.User, error) {
	var u domain.User
	if ok, err := getJSON(tx, bUsers, id, &u); !ok {
		if err != nil {
			return u, err
		}
		return u, domain.Errorf(domain.ENotFound, "user #%d not found", id)
	}
	return u, nil
}

func userByName(tx *bolt.Tx, name string) (domain.User, error) {
	id := btoi(tx.Bucket(bUserName).Get(lower(name)))
	if id == 0 {
		return domain.User{}, notFound("user", name)
	}
	return getUser(tx, id)
}

func getTeam(tx *bolt.Tx, id uint64) (domain.Team, error) {
	var t domain.Team
	if ok, err := getJSON(tx, bTeams, id, &t); !ok {
		if err != nil {
			return t, err
		}
		return t, domain.Errorf(domain.ENotFound, "team #%d not found", id)
	}
	return t, nil
}

func teamByName(tx *bolt.Tx, name string) (domain.Team, error) {
	id := btoi(tx.Bucket(bTeamName).Get(lower(name)))
	if id == 0 {
		return domain.Team{}, notFound("team", name)
	}
	return getTeam(tx, id)
}

func getBuilding(tx *bolt.Tx, id uint64) (domain.Building, error) {
	var b domain.Building
	if ok, err := getJSON(tx, bBuildings, id, &b); !ok {
		if err != nil {
			return b, err
		}
		return b, domain.Errorf(domain.ENotFound, "building #%d not found", id)
	}
	return b, nil
}

func buildingByCode(tx *bolt.Tx, code string) (domain.Building, error) {
	id := btoi(tx.Bucket(bBldCode).Get(lower(code)))
	if id == 0 {
		return domain.Building{}, notFound("building", code)
	}
	return getBuilding(tx, id)
}

// getOrg reads the organization settings; none stored yet is the zero
// value (the defaults).
func getOrg(tx *bolt.Tx) (domain.Organization, error) {
	var o domain.Organization
	if b := tx.Bucket(bOrg).Get(keyOrg); b != nil {
		if err := decJSON(b, &o); err != nil {
			return o, damaged("organization", "settings", err)
		}
	}
	firstVersion(&o)
	return o, nil
}

// getTicket reads ticket number: false when there is none, a damaged
// error when its record cannot be decoded.
func getTicket(tx *bolt.Tx, number domain.TicketNumber) (domain.Ticket, bool, error) {
	var t domain.Ticket
	b := tx.Bucket(bTickets).Get(itob(uint64(number)))
	if b == nil {
		return t, false, nil
	}
	if err := decTicket(b, &t); err != nil {
		return t, false, damaged("ticket", fmt.Sprintf("#%d", number), err)
	}
	return t, true, nil
}

// getMembership reads user's membership of group: false when there is
// none, a damaged error when its record cannot be decoded.
func getMembership(tx *bolt.Tx, user, group uint64) (domain.Membership, bool, error) {
	var m domain.Membership
	b := tx.Bucket(bMembers).Get(key(user, group))
	if b == nil {
		return m, false, nil
	}
	if err := decJSON(b, &m); err != nil {
		return m, false, damaged("membership", fmt.Sprintf("of user #%d in group #%d", user, group), err)
	}
	return m, true, nil
}

// prefixCount counts the keys of bucket starting with prefix.
func prefixCount(tx *bolt.Tx, bucket, prefix []byte) int {
	n := 0
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// plural is "1 ticket", "3 tickets".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
