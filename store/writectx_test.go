package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/etcdtest"
	"gatehouse/store"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// A write's context reaches its commit on both stores: cancelled before
// the write begins, or after its function ran and before the commit (on
// etcd: before its Txn is sent), it returns ctx.Err() and writes nothing.

func mustNoGroup(t *testing.T, svc domain.Service, name string) {
	t.Helper()
	if _, err := svc.Group(t.Context(), name); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("group %s: want not found, got %v", name, err)
	}
}

func auditCount(t *testing.T, svc domain.Service) int {
	t.Helper()
	evs, err := svc.Audit(t.Context(), domain.AuditQuery{})
	must(t, err)
	return len(evs)
}

func TestCancel_WriteCancelledBeforeCommitWritesNothing(t *testing.T) {
	d := newDistrict(t)
	before := auditCount(t, d.admin)

	_, err := d.admin.CreateGroup(cancelledContext(), domain.Group{Name: "Early"}, false)
	mustCancelled(t, "CreateGroup", err)
	mustNoGroup(t, d.admin, "Early")

	// cancelled after the write's work, right before its commit or Txn
	ctx, cancel := context.WithCancel(t.Context())
	store.OnBeforeCommit(d.db, cancel)
	_, err = d.admin.CreateGroup(ctx, domain.Group{Name: "Late"}, false)
	store.OnBeforeCommit(d.db, nil)
	mustCancelled(t, "CreateGroup cancelled before its commit", err)
	mustNoGroup(t, d.admin, "Late")

	// a large write (on etcd a staged one) the same way
	ctx, cancel = context.WithCancel(t.Context())
	store.OnBeforeCommit(d.db, cancel)
	_, err = d.admin.Attach(ctx, d.east, "big.bin", make([]byte, 2<<20))
	store.OnBeforeCommit(d.db, nil)
	mustCancelled(t, "Attach cancelled before its commit", err)
	as, err := d.admin.Attachments(t.Context(), d.east)
	must(t, err)
	if len(as) != 0 {
		t.Fatalf("the cancelled attachment is stored: %+v", as)
	}
	if n := auditCount(t, d.admin); n != before {
		t.Fatalf("cancelled writes left %d audit events", n-before)
	}
	// and the store goes on writing
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Late"}, false)
	must(t, err)
}

// WriteOutcome belongs to etcd: a bbolt write never has an unknown outcome.
func TestWriteOutcomeOnBboltIsRefused(t *testing.T) {
	bboltOnly(t)
	db, _ := openTest(t)
	_, err := db.WriteOutcome(t.Context(), "12-0123456789abcdef")
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "bbolt") {
		t.Fatalf("WriteOutcome on bbolt: %v", err)
	}
}

// etcdClient is a plain client of the cluster db's prefix lives on, and
// that prefix's key prefix ("t12/").
func etcdClient(t *testing.T, db *store.DB) (*clientv3.Client, string) {
	t.Helper()
	endpoints, prefix, err := store.ParseStoreURL(db.Path())
	must(t, err)
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	must(t, err)
	t.Cleanup(func() { cli.Close() })
	return cli, prefix + "/"
}

// outcomeID is the write id of an outcome-unknown error.
func outcomeID(t *testing.T, err error) string {
	t.Helper()
	var ou *store.OutcomeUnknownError
	if !errors.As(err, &ou) || !errors.Is(err, store.ErrOutcomeUnknown) {
		t.Fatalf("want an outcome-unknown error, got %v", err)
	}
	if !strings.Contains(err.Error(), "outcome is unknown (write id "+ou.WriteID) || !strings.Contains(err.Error(), "outcome "+ou.WriteID) {
		t.Fatalf("the message does not say what happened and how to check: %v", err)
	}
	return ou.WriteID
}

// A large write cancelled after its chunks went up but before its commit
// record's Txn is sent removes the chunks and writes nothing.
func TestEtcdStagedWriteCancelledBeforeItsCommitDropsTheStage(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	d := newDistrict(t)
	cli, prefix := etcdClient(t, d.db)
	ctx, cancel := context.WithCancel(t.Context())
	store.OnBeforeSend(d.db, cancel)
	_, err := d.admin.Attach(ctx, d.east, "big.bin", make([]byte, 2<<20))
	store.OnBeforeSend(d.db, nil)
	mustCancelled(t, "Attach cancelled before its commit record", err)
	resp, err := cli.Get(t.Context(), prefix+"stage/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	must(t, err)
	if resp.Count != 0 {
		t.Fatalf("%d chunks of the cancelled write are left", resp.Count)
	}
	as, err := d.admin.Attachments(t.Context(), d.east)
	must(t, err)
	if len(as) != 0 {
		t.Fatalf("the cancelled attachment is stored: %+v", as)
	}
}

// A write waiting for another process's large write to be copied out
// (P/pending) stops when its context ends, with nothing written; the wait
// used to have no end while the mark stayed.
func TestEtcdWriteWaitingOnAPendingWriteStopsWithItsContext(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	d := newDistrict(t)
	cli, prefix := etcdClient(t, d.db)
	_, err := cli.Put(t.Context(), prefix+"pending", "1-stalled")
	must(t, err)
	// the mirror hears of the mark through the watch: every write waits
	// on it from then on
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		began := time.Now()
		_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Waiting"}, false)
		cancel()
		if took := time.Since(began); took > 5*time.Second {
			t.Fatalf("the write returned %s after its context ended", took-500*time.Millisecond)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		must(t, err)
		if i == 20 {
			t.Fatal("writes never waited on the pending mark")
		}
		must(t, d.admin.DeleteGroup(t.Context(), "Waiting")) // written before the mirror saw the mark
	}
	mustNoGroup(t, d.admin, "Waiting")
	_, err = cli.Delete(t.Context(), prefix+"pending")
	must(t, err)
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Waiting"}, false)
	must(t, err)
}

// A write whose Txn applied but whose answer was lost (its context ended
// on the way back) returns "outcome unknown" with a write id, and
// WriteOutcome says it landed; a write id that never reached the cluster
// did not land, and after that answer it never will.
func TestEtcdOutcomeUnknownWriteResolvesWithWriteOutcome(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	d := newDistrict(t)
	ctx, cancel := context.WithCancel(t.Context())
	store.OnAfterSend(d.db, func(err error) error {
		if err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Landed"}, false)
	store.OnAfterSend(d.db, nil)
	id := outcomeID(t, err)
	landed, err := d.db.WriteOutcome(t.Context(), id)
	must(t, err)
	if !landed {
		t.Fatalf("write %s applied, but WriteOutcome says it did not land", id)
	}
	if _, err := d.admin.Group(t.Context(), "Landed"); err != nil {
		t.Fatalf("after WriteOutcome the mirror misses the write: %v", err)
	}

	// the same for a large write: its chunks stay for the commit record
	// that landed, and the next writer copies them out
	ctx, cancel = context.WithCancel(t.Context())
	store.OnAfterSend(d.db, func(err error) error {
		if err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	_, err = d.admin.Attach(ctx, d.east, "big.bin", make([]byte, 2<<20))
	store.OnAfterSend(d.db, nil)
	id = outcomeID(t, err)
	landed, err = d.db.WriteOutcome(t.Context(), id)
	must(t, err)
	if !landed {
		t.Fatalf("staged write %s applied, but WriteOutcome says it did not land", id)
	}
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "After"}, false)
	must(t, err)
	as, err := d.admin.Attachments(t.Context(), d.east)
	must(t, err)
	if len(as) != 1 {
		t.Fatalf("attachments after the staged write landed: %+v", as)
	}
	_, data, err := d.admin.AttachmentData(t.Context(), d.east, as[0].ID)
	must(t, err)
	if len(data) != 2<<20 {
		t.Fatalf("the attachment holds %d bytes", len(data))
	}

	// an id based on the current guard that never arrived: not landed,
	// and the guard moves on so it cannot land later
	cli, prefix := etcdClient(t, d.db)
	resp, err := cli.Get(t.Context(), prefix+"rev")
	must(t, err)
	lost := fmt.Sprintf("%d-%016x", resp.Kvs[0].ModRevision, 0xbeef)
	landed, err = d.db.WriteOutcome(t.Context(), lost)
	must(t, err)
	if landed {
		t.Fatalf("write %s never reached the cluster, but WriteOutcome says it landed", lost)
	}
	after, err := cli.Get(t.Context(), prefix+"rev")
	must(t, err)
	if after.Kvs[0].ModRevision == resp.Kvs[0].ModRevision {
		t.Fatal("the guard did not move on: the lost write could still land")
	}
	if landed, err = d.db.WriteOutcome(t.Context(), lost); err != nil || landed {
		t.Fatalf("asked again: landed %v, %v", landed, err)
	}
	if _, err := d.db.WriteOutcome(t.Context(), "not-an-id"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a bad id: %v", err)
	}
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Later"}, false)
	must(t, err)
}

// The mirror remembers a bounded number of write ids; asked about one it
// has forgotten, WriteOutcome says it cannot tell rather than guess.
func TestEtcdWriteOutcomeOfAForgottenWriteCannotTell(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	d := newDistrict(t)
	store.KeepWriteIDs(d.db, 2)
	ctx, cancel := context.WithCancel(t.Context())
	store.OnAfterSend(d.db, func(err error) error {
		if err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Old"}, false)
	store.OnAfterSend(d.db, nil)
	id := outcomeID(t, err)
	for _, name := range []string{"A", "B", "C"} {
		_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: name}, false)
		must(t, err)
	}
	landed, err := d.db.WriteOutcome(t.Context(), id)
	if err == nil || landed || !strings.Contains(err.Error(), "cannot tell") {
		t.Fatalf("a forgotten write: landed %v, %v", landed, err)
	}
}

// On a cluster with a member down, a cancelled write returns at once and
// writes nothing; without quorum, a write whose context ends while its Txn
// waits for the cluster returns within moments (it used to wait out
// etcdWait, 30 s) as "outcome unknown", and once the cluster is back
// WriteOutcome's answer matches what the store holds.
func TestEtcdCancelledWriteReturnsWhileMembersAreDown(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass")
	}
	c := etcdtest.StartT(t, 3)
	db, err := store.OpenEtcd(c.URL("down"), store.Options{Owner: "admin"})
	must(t, err)
	defer db.Close()
	admin := as(t, db, "admin")
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "Before"}, false)
	must(t, err)

	leader := c.Leader()
	c.Stop(leader)
	began := time.Now()
	_, err = admin.CreateGroup(cancelledContext(), domain.Group{Name: "Early"}, false)
	mustCancelled(t, "CreateGroup with a member down", err)
	ctx, cancel := context.WithCancel(t.Context())
	store.OnBeforeCommit(db, cancel)
	_, err = admin.CreateGroup(ctx, domain.Group{Name: "Late"}, false)
	store.OnBeforeCommit(db, nil)
	mustCancelled(t, "CreateGroup cancelled before its Txn with a member down", err)
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("cancelled writes took %s with a member down", took)
	}
	mustNoGroup(t, admin, "Early")
	mustNoGroup(t, admin, "Late")
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "Quorum"}, false)
	must(t, err) // two of three still commit

	other := (leader + 1) % 3
	c.Stop(other)
	ctx, cancel = context.WithTimeout(t.Context(), 500*time.Millisecond)
	began = time.Now()
	_, err = admin.CreateGroup(ctx, domain.Group{Name: "NoQuorum"}, false)
	cancel()
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("the write returned %s after its context ended, without quorum", took)
	}
	id := outcomeID(t, err)
	t.Log(err)

	must(t, c.Restart(other))
	landed, err := db.WriteOutcome(t.Context(), id)
	must(t, err)
	_, gerr := admin.Group(t.Context(), "NoQuorum")
	if landed != (gerr == nil) {
		t.Fatalf("WriteOutcome says landed=%v, but reading the group gives %v", landed, gerr)
	}
	t.Logf("the write without quorum landed: %v", landed)
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "After"}, false)
	must(t, err)
}

// The periodic jobs write under their own context: once it is cancelled
// (Jobs.Stop, the console quitting) a job's write still on its way
// writes nothing, the expiry sweep included, and the next run does it.
func TestCancel_JobsWriteNothingOnceStopped(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Join(t.Context(), "staff", "Technicians", epoch.AddDate(0, 0, 1), "cover"))
	_, err := d.admin.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Check backups", Building: d.eastB.ID,
		Every: domain.Weekly, Interval: 1, NextRun: epoch.AddDate(0, 0, 1), Enabled: true})
	must(t, err)
	d.clk.t = epoch.AddDate(0, 0, 2) // the membership expired, the task is due
	before := auditCount(t, d.admin)

	rep := d.db.RunJobs(cancelledContext())
	if !rep.Stopped || rep.Expired != 0 || rep.Tickets != 0 || len(rep.Failures) != 0 {
		t.Fatalf("jobs under a cancelled context: %+v", rep)
	}
	// cancelled while the scheduled task's write is on its way: the
	// expiry sweep's write comes first and lands
	ctx, cancel := context.WithCancel(t.Context())
	writes := 0
	store.OnBeforeCommit(d.db, func() {
		if writes++; writes == 2 {
			cancel()
		}
	})
	rep = d.db.RunJobs(ctx)
	store.OnBeforeCommit(d.db, nil)
	if !rep.Stopped || rep.Expired != 1 || rep.Tickets != 0 || len(rep.Failures) != 0 {
		t.Fatalf("jobs stopped during a write: %+v", rep)
	}
	page, err := d.admin.Tickets(t.Context(), domain.TicketQuery{Text: "Check backups"})
	must(t, err)
	if page.Total != 0 {
		t.Fatalf("the stopped job created %d tickets", page.Total)
	}
	if n := auditCount(t, d.admin); n != before+1 {
		t.Fatalf("%d audit events, want the expiry's only", n-before)
	}
	rep = d.db.RunJobs(t.Context())
	if rep.Stopped || rep.Tickets != 1 || len(rep.Failures) != 0 {
		t.Fatalf("the next run: %+v", rep)
	}
}

// The first-login password change runs under the SSH client's context: a
// client gone before the write changes nothing, the temporary password
// stays.
func TestCancel_PasswordChangeAtLoginWritesNothing(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	_, err := d.db.ChangePassword(cancelledContext(), "staff", "Temp-Pass-1", "Chosen-Pass-1")
	mustCancelled(t, "ChangePassword", err)
	if _, err := d.db.AuthenticatePassword("staff", "Temp-Pass-1"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("after a cancelled change the temporary password gives %v", err)
	}
}
