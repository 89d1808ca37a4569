package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

const importHeader = "First Name,Last Name,Email Address,Username,Temporary Password,Group Name"

func parseCSV(t testing.TB, s string) domain.UserImport {
	t.Helper()
	imp, err := domain.ParseUsersCSV(strings.NewReader(s), time.UTC)
	must(t, err)
	return imp
}

func userCount(t testing.TB, s domain.Service) int {
	t.Helper()
	p, err := s.Users(t.Context(), domain.UserQuery{})
	must(t, err)
	return p.Total
}

func TestImportUsersCreatesEveryRowWithMemberships(t *testing.T) {
	d := newDistrict(t)
	in := "\uFEFF" + importHeader + ",Buildings,Reports To,Until,Kind\r\n" +
		"Ann,Lee,ann@example.org,ann,Temp-Pass-1,Users,EAST,boss,2026-06-30,\r\n" +
		"Bo,Boss,boss@example.org,boss,,\"Technicians; Users\",,principal,,standard\r\n" +
		"Rae,Out,rae@example.org,rae,Temp-Pass-2,RestrictedUsers,,,,restricted\r\n"
	var ticks []string
	rep, err := d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{Source: "staff.csv",
		Progress: func(done, total int) { ticks = append(ticks, fmt.Sprintf("%d/%d", done, total)) }})
	must(t, err)
	if rep.Rows != 3 || rep.Passwords != 2 || strings.Join(rep.Created, ",") != "ann,boss,rae" {
		t.Fatalf("report %+v", rep)
	}
	if strings.Join(ticks, " ") != "1/2 2/2" {
		t.Fatalf("progress %v", ticks)
	}
	ann, err := d.admin.User(t.Context(), "ann")
	must(t, err)
	// ann reports to boss, who comes later in the file
	if ann.ReportsTo != "boss" || strings.Join(ann.Buildings, ",") != "EAST" || ann.Inactive != "" ||
		strings.Join(ann.Groups, ",") != "Users" {
		t.Fatalf("ann %+v", ann)
	}
	boss, _ := d.admin.User(t.Context(), "boss")
	if boss.ReportsTo != "principal" || strings.Join(boss.Groups, ",") != "Technicians,Users" || !boss.Technician {
		t.Fatalf("boss %+v", boss)
	}
	ms, _ := d.admin.Memberships(t.Context(), "ann")
	if len(ms) != 1 || !ms[0].Until.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || ms[0].GrantedBy != "admin" ||
		!strings.Contains(ms[0].Reason, "staff.csv") {
		t.Fatalf("ann's membership %+v", ms)
	}
	// temporary passwords are argon2id hashes that must be changed
	var hash string
	var must2 bool
	must(t, d.db.Bolt().View(func(tx *bolt.Tx) error {
		var u struct {
			domain.User
			PasswordHash string `json:"password_hash"`
		}
		return tx.Bucket([]byte("users")).ForEach(func(k, v []byte) error {
			if json.Unmarshal(v[1:], &u) == nil && u.Username == "ann" {
				hash, must2 = u.PasswordHash, u.MustChange
			}
			return nil
		})
	}))
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || !must2 {
		t.Fatalf("ann's hash %q, must change %v", hash, must2)
	}
	if ok, err := store.VerifyPassword(hash, "Temp-Pass-1"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	// every imported user is in Global with a private team (R9), and the
	// import is in the audit trail: one event per user and one overall
	_, members, _ := d.admin.Team(t.Context(), "~rae")
	if len(members) != 1 {
		t.Fatalf("rae's private team %+v", members)
	}
	evs, _ := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "user"})
	var actions []string
	for _, e := range evs[:4] {
		actions = append(actions, e.Action+" "+e.Name)
	}
	if strings.Join(actions, ",") != "import users staff.csv,import rae,import boss,import ann" {
		t.Fatalf("audit %v", actions)
	}
	checkClean(t, d.db)
}

func TestImportUsersOneBadRowAmong10000ImportsNothing(t *testing.T) {
	d := newDistrict(t)
	before := userCount(t, d.admin)
	var b strings.Builder
	b.WriteString(importHeader + "\n")
	for i := range 10_000 {
		group := "Users"
		if i == 7_321 {
			group = "Userz"
		}
		fmt.Fprintf(&b, "First%d,Last%d,user%d@example.org,user%05d,,%s\n", i, i, i, i, group)
	}
	rep, err := d.admin.ImportUsers(t.Context(), parseCSV(t, b.String()), domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	if len(rep.Problems) != 1 || rep.Problems[0].Line != 7_323 || rep.Problems[0].Column != domain.ColGroup ||
		!strings.Contains(rep.Problems[0].Reason, `unknown group "Userz"`) {
		t.Fatalf("problems %v", rep.Problems)
	}
	if !strings.Contains(err.Error(), "line 7323") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("error %v", err)
	}
	if n := userCount(t, d.admin); n != before {
		t.Fatalf("users %d → %d", before, n)
	}
}

func TestImportUsersReportsEveryBadRow(t *testing.T) {
	d := newDistrict(t)
	in := importHeader + ",Buildings,Reports To,Until,Kind\n" +
		"A,A,a@example.org,staff,,Users,,,,\n" + // 2 username taken
		"B,B,pat@example.org,b,,Users,,,,\n" + // 3 email taken
		"C,C,c@example.org,c,,Nobody,,,,\n" + // 4 unknown group
		"D,D,d@example.org,d,,Users,,,,restricted\n" + // 5 restricted into a standard group (R3)
		"E,E,e@example.org,e,,Users,NORTH,,,\n" + // 6 unknown building
		"F,F,f@example.org,f,,Users,,ghost,,\n" + // 7 unknown reports-to
		"G,G,g@example.org,g,,Users,,h,,\n" + // 8 loop g → h → g
		"H,H,h@example.org,h,,Users,,g,,\n" + // 9
		"I,I,i@example.org,i,,Users,,,2020-01-01,\n" + // 10 in the past
		"J,J,bad-email,j,,Users,,,,\n" + // 11 parse: bad email
		",K,k@example.org,k,,Users,,,,\n" + // 12 parse: missing first name
		"L,L,l@example.org,B,,Users,,,,\n" + // 13 parse: b is on line 3 (case-insensitive)
		"M,M,m@example.org,m,,Users,,,,\n" // 14 fine
	rep, err := d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	var got []string
	for _, p := range rep.Problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Column))
	}
	want := []string{"2 Username", "3 Email Address", "4 Group Name", "5 Group Name", "6 Buildings", "7 Reports To",
		"8 Reports To", "9 Reports To", "10 Until", "11 Email Address", "12 First Name", "13 Username"}
	if !slices.Equal(got, want) {
		t.Fatalf("problems\n got %v\nwant %v\n%v", got, want, rep.Problems)
	}
	if !strings.Contains(rep.Problems[3].Reason, "(R3)") {
		t.Fatalf("R3 reason: %v", rep.Problems[3])
	}
	if _, err := d.admin.User(t.Context(), "m"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("m was imported: %v", err)
	}
}

func TestImportUsersDryRunWritesNothing(t *testing.T) {
	d := newDistrict(t)
	before, _ := d.admin.Audit(t.Context(), domain.AuditQuery{})
	rep, err := d.admin.ImportUsers(t.Context(), parseCSV(t, importHeader+"\nA,A,a@example.org,a,secret-pw,Users\n"), domain.ImportOptions{DryRun: true})
	must(t, err)
	if !rep.DryRun || strings.Join(rep.Created, ",") != "a" || rep.Passwords != 1 {
		t.Fatalf("dry run %+v", rep)
	}
	after, _ := d.admin.Audit(t.Context(), domain.AuditQuery{})
	if len(after) != len(before) {
		t.Fatal("a dry run wrote")
	}
	if _, err := d.admin.User(t.Context(), "a"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("a exists: %v", err)
	}
}

func TestImportUsersAuthorization(t *testing.T) {
	d := newDistrict(t)
	imp := parseCSV(t, importHeader+"\nA,A,a@example.org,a,,Users\nB,B,b@example.org,b,,District Administrator\n")
	// no users:edit at all
	_, err := as(t, d.db, "staff").ImportUsers(t.Context(), imp, domain.ImportOptions{})
	mustCode(t, err, domain.EForbidden)
	// users:edit, but District Administrator holds what the clerk lacks (R12)
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Clerks", Flags: domain.FlagSetOf(domain.TicketReport),
		Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}}, true)
	must(t, err)
	_, err = d.admin.CreateUser(t.Context(), domain.User{Username: "clerk"})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "clerk", "Clerks", time.Time{}, ""))
	rep, err := as(t, d.db, "clerk").ImportUsers(t.Context(), imp, domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	if len(rep.Problems) != 1 || rep.Problems[0].Line != 3 || !strings.Contains(rep.Problems[0].Reason, "R12") {
		t.Fatalf("problems %v", rep.Problems)
	}
}
