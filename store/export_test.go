package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// richDistrict is the rule tests' district with something in every kind of
// record: work, discussion, attachments, alerts, notices, schedules, saved
// queries, charts, teams, keys, a temporary membership, a clone.
func richDistrict(t *testing.T) *district {
	d := newDistrict(t)
	a := d.admin
	must(t, a.Assign(t.Context(), d.east, "tech", "yours"))
	tech := as(t, d.db, "tech")
	must(t, tech.Start(t.Context(), d.east, ""))
	_, err := tech.AddWork(t.Context(), d.east, 30, "Replaced the lamp <ok> & tested")
	must(t, err)
	th, err := a.StartThread(t.Context(), d.east, "Spare lamps", "Do we have any?")
	must(t, err)
	_, err = a.PostMessage(t.Context(), d.east, th.ID, 0, "Two in the closet.")
	must(t, err)
	_, err = a.Attach(t.Context(), d.east, "lamp.txt", []byte("model X-100\n"))
	must(t, err)
	must(t, a.SetAlerts(t.Context(), d.west, 5, []string{"tech"}, nil, true))
	must(t, a.Close(t.Context(), d.west, "fixed"))
	_, err = a.Clone(t.Context(), d.west)
	must(t, err)
	_, err = a.CreateTeam(t.Context(), domain.Team{Name: "Help Desk", Description: "Front line"})
	must(t, err)
	must(t, a.AddTeamMember(t.Context(), "Help Desk", "tech"))
	tu, _ := a.User(t.Context(), "tech")
	pu, _ := a.User(t.Context(), "principal")
	tu.User.ReportsTo = pu.ID
	_, err = a.UpdateUser(t.Context(), tu.User.ID, wholeUser(tu.User))
	must(t, err)
	must(t, a.Join(t.Context(), "staff", "Technicians", epoch.AddDate(0, 2, 0), "summer cover"))
	must(t, a.AddKey(t.Context(), "tech", domain.SSHKey{Fingerprint: "SHA256:abc", Key: "ssh-ed25519 AAAA tech@laptop", Comment: "laptop"}))
	must(t, a.SetPassword(t.Context(), "tech", "Temp-Pass-1"))
	_, err = a.CreateNotice(t.Context(), domain.Notice{Title: "Network maintenance", Start: epoch, End: epoch.AddDate(0, 0, 7),
		Teams: []domain.ID{1}, Visible: true})
	must(t, err)
	_, err = a.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Check backups", Building: d.eastB.ID, Every: domain.Weekly,
		Interval: 1, NextRun: epoch.AddDate(0, 0, 7), Enabled: true})
	must(t, err)
	_, err = a.SaveQuery(t.Context(), "open east", "building:EAST", "")
	must(t, err)
	_, err = a.SaveChart(t.Context(), "District Administrator", domain.Chart{Name: "By building", Kind: "by-building", Days: 30})
	must(t, err)
	must(t, a.SaveLayout(t.Context(), "District Administrator", []string{"By building"}))
	return d
}

func export(t *testing.T, s domain.Service) string {
	t.Helper()
	var b bytes.Buffer
	must(t, s.Export(t.Context(), &b, "json"))
	return b.String()
}

// Export → ImportAll into a new file → Export gives the same bytes plus the
// import's own audit event, appended to the trail; reopening the file (which
// sweeps expiries) and exporting again changes nothing more.
func TestExportImportAllExportIsIdentical(t *testing.T) {
	d := richDistrict(t)
	e1 := export(t, d.admin)
	if e2 := export(t, d.admin); e2 != e1 {
		t.Fatal("two exports of one file differ")
	}
	for _, section := range []string{`"users": [`, `"work": [`, `"posts": [`, `"attachment_data": [`, `"alerts": [`,
		`"charts": [`, `"layouts": [`, `"notices": [`, `"schedules": [`, `"saved_queries": [`, `"outbox": [`} {
		i := strings.Index(e1, section)
		if i < 0 || strings.HasPrefix(e1[i+len(section):], "\n]") {
			t.Errorf("section %s is missing or empty", section)
		}
	}
	clk := &clock{t: epoch.Add(time.Hour)}
	path := filepath.Join(t.TempDir(), "new.db")
	db2, err := store.Open(path, store.Options{Owner: "root", Now: clk.now})
	must(t, err)
	rep, err := as(t, db2, "root").ImportAll(t.Context(), strings.NewReader(e1))
	must(t, err)
	if rep.Owner != "admin" || db2.Owner() != "admin" || rep.Records["users"] != 5 || rep.Records["tickets"] != 3 {
		t.Fatalf("report %+v, owner %s", rep, db2.Owner())
	}
	if _, err := db2.Session("root"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("the seed's owner is still there: %v", err)
	}
	admin2 := as(t, db2, "admin")
	e2 := export(t, admin2)
	prefix := strings.TrimSuffix(e1, "\n]\n}\n")
	if !strings.HasPrefix(e2, prefix+",\n") {
		t.Fatalf("the second export differs before its last audit event:\n%s", firstDiff(e1, e2))
	}
	added := strings.TrimSuffix(e2[len(prefix)+2:], "\n]\n}\n")
	if strings.Contains(added, "\n") || !strings.Contains(added, `"action":"import all"`) || !strings.Contains(added, `"actor_name":"root"`) {
		t.Fatalf("the second export adds more than the import's event: %s", added)
	}
	checkClean(t, db2)
	must(t, db2.Close())
	db3, err := store.Open(path, store.Options{Now: clk.now})
	must(t, err)
	defer db3.Close()
	if e3 := export(t, as(t, db3, "admin")); e3 != e2 {
		t.Fatalf("reopening changed the export:\n%s", firstDiff(e2, e3))
	}
	// the imported file works as the original did
	page, err := as(t, db3, "principal").Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	if page.Total != 1 || page.Tickets[0].Number != d.east {
		t.Fatalf("principal sees %+v", page)
	}
	if u, err := db3.AuthenticateKey("tech", "SHA256:abc"); !domain.IdentityProven(err) || u.Username != "tech" {
		t.Fatalf("key lookup: %v %v", u.Username, err)
	}
	// the export carries the hash and the flag: the temporary password
	// still works, and must still be changed
	if u, err := db3.AuthenticatePassword("tech", "Temp-Pass-1"); !errors.Is(err, domain.ErrMustChangePassword) || u.Username != "tech" {
		t.Fatalf("password after the round trip: %v %v", u.Username, err)
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return "first:  ..." + a[from:min(len(a), i+200)] + "\nsecond: ..." + b[from:min(len(b), i+200)]
}

func TestImportAllRefusesAFileInUseAndBadExports(t *testing.T) {
	d := richDistrict(t)
	e1 := export(t, d.admin)
	_, err := d.admin.ImportAll(t.Context(), strings.NewReader(e1))
	mustCode(t, err, domain.EConflict)
	_, err = as(t, d.db, "staff").ImportAll(t.Context(), strings.NewReader(e1))
	mustCode(t, err, domain.EForbidden)
	if export(t, d.admin) != e1 {
		t.Fatal("a refused import changed the file")
	}
	db2, err := store.Open(filepath.Join(t.TempDir(), "new.db"), store.Options{Owner: "root"})
	must(t, err)
	defer db2.Close()
	root := as(t, db2, "root")
	fresh := export(t, root)
	for name, in := range map[string]string{
		"not json":        "hello",
		"other format":    `{"format": "something-else"}`,
		"newer version":   strings.Replace(e1, `"version": 1,`, `"version": 9,`, 1),
		"unknown section": strings.Replace(e1, `"groups": [`, `"gropus": [`, 1),
		"unknown field":   strings.Replace(e1, `"username":"staff"`, `"username":"staff","shoe":1`, 1),
		"duplicate name":  strings.Replace(e1, `"username":"staff"`, `"username":"tech"`, 1),
		"cut short":       e1[:len(e1)/2],
	} {
		_, err := root.ImportAll(t.Context(), strings.NewReader(in))
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: %v", name, err)
		}
		if export(t, root) != fresh {
			t.Fatalf("%s: a refused import changed the file", name)
		}
	}
	_, err = root.ImportAll(t.Context(), strings.NewReader(e1))
	must(t, err)
}

// import all refuses data after the closing brace and a sequence below an
// id present (the next record would take that id and overwrite one).
func TestImportAllRefusesTrailingDataAndLowSequences(t *testing.T) {
	d := richDistrict(t)
	e1 := export(t, d.admin)
	db2, err := store.Open(filepath.Join(t.TempDir(), "new.db"), store.Options{Owner: "root"})
	must(t, err)
	defer db2.Close()
	root := as(t, db2, "root")
	fresh := export(t, root)
	seq := regexp.MustCompile(`"users":\d+`)
	if !seq.MatchString(e1) {
		t.Fatalf("no users sequence in the export:\n%.400s", e1)
	}
	for name, in := range map[string]string{
		"trailing object":  e1 + `{"format": "gatehouse-export"}`,
		"trailing garbage": e1 + "\nrm -rf /\n",
		"concatenated":     e1 + e1,
		"low sequence":     seq.ReplaceAllString(e1, `"users":1`),
	} {
		_, err := root.ImportAll(t.Context(), strings.NewReader(in))
		if domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: want an invalid-input error, got %v", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
		if export(t, root) != fresh {
			t.Fatalf("%s: a refused import changed the file", name)
		}
	}
	// whitespace after the object is not data
	_, err = root.ImportAll(t.Context(), strings.NewReader(e1+"\n\n  \t\n"))
	must(t, err)
}

func TestExportNeedsSuperuserAndCSVIsTheUserList(t *testing.T) {
	d := richDistrict(t)
	var b bytes.Buffer
	mustCode(t, as(t, d.db, "principal").Export(t.Context(), &b, "json"), domain.EForbidden)
	mustCode(t, as(t, d.db, "principal").Export(t.Context(), &b, "csv"), domain.EForbidden)
	mustCode(t, d.admin.Export(t.Context(), &b, "xml"), domain.EInvalid)
	b.Reset()
	must(t, d.admin.Export(t.Context(), &b, "csv"))
	if strings.Contains(b.String(), "argon2") {
		t.Fatal("the CSV carries hashes")
	}
	imp, err := domain.ParseUsersCSV(&b, nil)
	must(t, err)
	var got []string
	for _, r := range imp.Rows {
		got = append(got, r.Username+":"+strings.Join(r.Groups, "+")+":"+strings.Join(r.Buildings, "+")+":"+r.ReportsTo)
	}
	want := "admin:District Administrator::,nogroup:::,principal:Building Administrator:EAST:,staff:Technicians+Users::,tech:Technicians::principal"
	if strings.Join(got, ",") != want {
		t.Fatalf("csv users\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if staff := imp.Rows[3]; staff.Until.IsZero() {
		t.Fatalf("staff's temporary membership lost its end: %+v", staff)
	}
}

// The migration path in both directions: on the etcd pass the test above
// exports from etcd into a bbolt file; this one exports a bbolt file and
// imports it into a new etcd prefix, which then exports the same records.
func TestExportFromBboltImportsIntoEtcdIdentically(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	saved := etcdURL
	etcdURL = "" // richDistrict on a bbolt file
	d := richDistrict(t)
	etcdURL = saved
	e1 := export(t, d.admin)
	clk := &clock{t: epoch.Add(time.Hour)}
	db2, err := store.OpenEtcd(storeURL(), store.Options{Owner: "root", Now: clk.now})
	must(t, err)
	defer db2.Close()
	_, err = as(t, db2, "root").ImportAll(t.Context(), strings.NewReader(e1))
	must(t, err)
	e2 := export(t, as(t, db2, "admin"))
	prefix := strings.TrimSuffix(e1, "\n]\n}\n")
	if !strings.HasPrefix(e2, prefix+",\n") {
		t.Fatalf("the etcd export differs before the import's event:\n%s", firstDiff(e1, e2))
	}
	checkClean(t, db2)
}
