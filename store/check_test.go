package store_test

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

func checkClean(t testing.TB, db *store.DB) {
	t.Helper()
	rep, err := db.Check(t.Context(), false)
	must(t, err)
	if !rep.Clean() {
		t.Fatalf("check found:\n%s", findings(rep))
	}
}

func findings(rep domain.CheckReport) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func id8(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func ids(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

func jsonRecord(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return append([]byte{1}, b...)
}

// editUser rewrites a user record behind the store's back, as a damaged
// file or a buggy older version would leave it.
func editUser(t testing.TB, tx *bolt.Tx, id uint64, fn func(u *domain.User)) {
	t.Helper()
	var u domain.User
	must(t, json.Unmarshal(tx.Bucket([]byte("users")).Get(id8(id))[1:], &u))
	fn(&u)
	must(t, tx.Bucket([]byte("users")).Put(id8(id), jsonRecord(t, u)))
}

func TestCheckIsCleanOnNewFileAndDistrict(t *testing.T) {
	db, _ := openTest(t)
	checkClean(t, db)
	d := newDistrict(t)
	checkClean(t, d.db)
	rep, err := d.admin.Check(t.Context(), false)
	must(t, err)
	if !rep.Clean() || rep.Summary() != "the file is consistent" {
		t.Fatalf("%+v", rep)
	}
	_, err = as(t, d.db, "principal").Check(t.Context(), false)
	mustCode(t, err, domain.EForbidden)
}

func TestCheckFindsDamageAndRepairFixesItInOneTransaction(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	staff, _ := d.admin.User(t.Context(), "staff")
	tech, _ := d.admin.User(t.Context(), "tech")
	principal, _ := d.admin.User(t.Context(), "principal")
	must(t, d.db.Bolt().Update(func(tx *bolt.Tx) error {
		global := binary.BigEndian.Uint64(tx.Bucket([]byte("meta")).Get([]byte("global_team")))
		must(t, tx.Bucket([]byte("idx_user_name")).Delete([]byte("staff")))                     // missing index entry
		must(t, tx.Bucket([]byte("idx_user_email")).Put([]byte("ghost@example.org"), id8(999))) // stale entry
		must(t, tx.Bucket([]byte("members")).Put(ids(999, 1), jsonRecord(t, domain.Membership{UserID: 999, GroupID: 1})))
		must(t, tx.Bucket([]byte("team_members")).Delete(ids(global, staff.ID))) // staff leaves Global
		// tech's private team disappears (its name index entry stays)
		teamID := binary.BigEndian.Uint64(tx.Bucket([]byte("idx_team_name")).Get([]byte("~tech")))
		must(t, tx.Bucket([]byte("teams")).Delete(id8(teamID)))
		// a reports-to loop, and a building that does not exist
		editUser(t, tx, principal.ID, func(u *domain.User) { u.ReportsTo = tech.ID })
		editUser(t, tx, tech.ID, func(u *domain.User) { u.ReportsTo = principal.ID })
		editUser(t, tx, staff.ID, func(u *domain.User) { u.Buildings = []domain.ID{999} })
		// a thread of a ticket that does not exist
		return tx.Bucket([]byte("threads")).Put(ids(999, 1), jsonRecord(t, domain.Thread{ID: 1, Ticket: 999, Title: "x"}))
	}))
	rep, err := d.db.Check(t.Context(), false)
	must(t, err)
	text := findings(rep)
	for _, want := range []string{
		`idx_user_name: the username entry "staff" is missing`,
		`idx_user_email: the email entry "ghost@example.org" matches no record`,
		"members: a membership of user #999 in group #1",
		"teams: staff is not in the Global team (R9)",
		"teams: tech has no private team (R9)",
		"reports-to loop",
		"staff is assigned to buildings [999]",
		"threads: 1 records of ticket 999",
		"idx_group_user:", "idx_reports:", "idx_team_name:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("check misses %q in\n%s", want, text)
		}
	}
	for _, f := range rep.Findings {
		if !f.Fixable {
			t.Errorf("not fixable: %v", f)
		}
	}
	rep, err = d.admin.Check(t.Context(), true)
	must(t, err)
	if !rep.Clean() || len(rep.Repaired) < 8 {
		t.Fatalf("after repair:\n%s\nrepaired:\n%s", findings(rep), strings.Join(rep.Repaired, "\n"))
	}
	checkClean(t, d.db)
	evs, _ := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "file", Limit: 1})
	if len(evs) != 1 || evs[0].Action != "check repair" || evs[0].ActorName != "admin" {
		t.Fatalf("audit %+v", evs)
	}
	// the repaired file works: staff logs in through the rebuilt index
	if _, err := d.db.Session("staff"); err != nil {
		t.Fatal(err)
	}
	if _, members, _ := d.admin.Team(t.Context(), "~tech"); len(members) != 1 {
		t.Fatalf("~tech %+v", members)
	}
}

func TestCheckReportsWhatRepairCannotFix(t *testing.T) {
	d := newDistrict(t)
	must(t, d.db.Bolt().Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("users")).Put(id8(5000), []byte("\x01{not json"))
	}))
	rep, err := d.db.Check(t.Context(), true)
	must(t, err)
	if len(rep.Findings) != 1 || rep.Findings[0].Fixable || !strings.Contains(rep.Findings[0].Problem, "record [5000] is damaged") {
		t.Fatalf("%s", findings(rep))
	}
	if len(rep.Repaired) != 0 {
		t.Fatalf("repaired %v", rep.Repaired)
	}
}

// damagedFiles writes a truncated copy of a district file and one with
// bytes flipped in every page but the meta pages. (store.Open on either
// crashes the process today: bbolt rebuilds the unsynced freelist at the
// first write on a goroutine of its own, where a bad page id panics, and
// reads past the end of a truncated file's mapping with SIGBUS; Open
// needs CheckPages first.)
func damagedFiles(t *testing.T) (truncated, flipped string) {
	d := newDistrict(t)
	for i := range 30 {
		_, err := d.admin.CreateTicket(t.Context(), domain.NewTicket{Title: "Filler", Description: strings.Repeat("x", i*40), Building: "EAST"})
		must(t, err)
	}
	src := d.db.Path()
	d.db.Close()
	good, err := os.ReadFile(src)
	must(t, err)
	must(t, store.CheckPages(src))
	dir := t.TempDir()
	// cut the file in the middle of its pages (bbolt grows the file ahead of
	// them, so a cut at a fraction of its size may remove only free space)
	pages := binary.LittleEndian.Uint64(good[16+40:])
	truncated = filepath.Join(dir, "truncated.db")
	must(t, os.WriteFile(truncated, good[:pages/2*4096], 0o600))
	flipped = filepath.Join(dir, "flipped.db")
	bad := append([]byte(nil), good...)
	const pageSize = 4096
	for p := 2; p*pageSize < len(bad); p++ {
		for i := p*pageSize + 16; i < p*pageSize+16+64 && i < len(bad); i++ {
			bad[i] ^= 0xA5
		}
	}
	must(t, os.WriteFile(flipped, bad, 0o600))
	return truncated, flipped
}

func TestCheckPagesAndVerifyFindDamage(t *testing.T) {
	bboltOnly(t)
	truncated, flipped := damagedFiles(t)
	for path, want := range map[string]string{truncated: "truncated", flipped: "page"} {
		err := store.CheckPages(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
		if err := store.VerifyFile(path); err == nil {
			t.Errorf("%s verified", filepath.Base(path))
		}
	}
}
