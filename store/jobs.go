package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// JobReport says what one run of the periodic jobs did.
type JobReport struct {
	At       time.Time // when the run started
	Expired  int       // memberships whose expiry was recorded (R13)
	Tickets  int       // tickets created by scheduled tasks
	Overdue  int       // overdue notices queued
	Alerts   int       // alert messages queued
	Reviews  int       // review campaigns started or closed (R19)
	Failures []string
	// Writes is how many write transactions the run made and LongestWrite
	// the longest of them, commit included: other writers wait that long.
	Writes       int
	LongestWrite time.Duration
	Stopped      bool // the run was stopped before it finished
}

// jobCache is what one run of the periodic jobs has looked up: users,
// their access, the groups and their active members. A run lasts seconds,
// so an access change made meanwhile reaches the next run's notices, a
// minute later; recomputing a recipient's access for every ticket held
// the file for minutes on a large district.
type jobCache struct {
	users   map[domain.ID]domain.User
	access  map[domain.ID]domain.Access
	groups  []domain.Group
	members map[domain.ID][]domain.ID
	writes  int
	longest time.Duration
}

func newJobCache() *jobCache {
	return &jobCache{users: map[domain.ID]domain.User{}, access: map[domain.ID]domain.Access{},
		members: map[domain.ID][]domain.ID{}}
}

// warm fills the cache with the groups that send overdue notices, their
// active members and the members' access in one read transaction, so the
// first write batch does not hold the file while it looks them up.
func (c *jobCache) warm(db *DB) {
	// only a cache: whatever it misses, the batches look up themselves
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		r := &txn{tx: tx, db: db, now: db.now(), cache: c}
		gs, err := r.groups()
		if err != nil {
			return err
		}
		for _, g := range gs {
			if _, ok := g.Notify.Policy(); !ok || g.Base {
				continue
			}
			ids, err := r.activeMembers(g.ID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if u, err := r.user(id); err == nil {
					r.accessOf(u)
				}
			}
		}
		return nil
	})
}

// Batch bounds of the periodic jobs' write transactions: a batch closes
// after jobBatch tickets or jobBatchTime, whichever comes first, so no
// transaction holds the file long whatever the district's size.
const (
	jobBatch = 256
	// jobRenderTime bounds a batch's read transaction (a long reader
	// delays a writer that must grow the file's mapping)
	jobRenderTime = 50 * time.Millisecond
	jobScan       = 4096 // index keys read per read transaction
)

// jobBatchTime is the work a periodic job's write transaction does before
// it commits; the commit's fsync comes on top (30-60 ms on the 1.7 GB
// scale file), so 10 ms keeps the longest write under DESIGN's 100 ms
// (63 ms measured, 146 ms with 20). A variable only so that a test can
// make every write transaction as small as it gets.
var jobBatchTime = 10 * time.Millisecond

// RunJobs runs what is due at the clock's now: expiry records, scheduled
// tasks and overdue notices. Each job works in small transactions and
// stops between two of them when ctx ends; each is idempotent, so a
// stopped or repeated run never does a thing twice.
func (db *DB) RunJobs(ctx context.Context) JobReport {
	r := JobReport{At: db.now()}
	c := newJobCache()
	fail := func(what string, err error) {
		if err != nil && ctx.Err() == nil {
			r.Failures = append(r.Failures, what+": "+err.Error())
		}
	}
	var err error
	r.Expired, err = db.Sweep(ctx)
	fail("expiry records", err)
	if ctx.Err() == nil {
		r.Tickets, err = db.runSchedules(ctx, c)
		fail("scheduled tasks", err)
	}
	if ctx.Err() == nil {
		r.Overdue, err = db.runOverdue(ctx, c)
		fail("overdue notices", err)
	}
	if ctx.Err() == nil {
		r.Alerts, err = db.runAlerts(ctx, c)
		fail("alerts", err)
	}
	if ctx.Err() == nil {
		r.Reviews, err = db.runReviews(ctx, c)
		fail("review campaigns", err)
	}
	r.Writes, r.LongestWrite, r.Stopped = c.writes, c.longest, ctx.Err() != nil
	return r
}

// Jobs is the handle of the periodic jobs started by StartJobs.
type Jobs struct {
	stop context.CancelFunc
	done chan struct{}
	mu   sync.Mutex
	last JobReport
	fail []string
}

// jobFailuresKept bounds the failures a handle remembers.
const jobFailuresKept = 20

// StartJobs runs RunJobs now and then every interval until Stop or ctx
// ends; report, when set, gets every run's report (the server logs its
// failures). The handle keeps the latest failures for the Data file screen.
func (db *DB) StartJobs(ctx context.Context, every time.Duration, report func(JobReport)) *Jobs {
	ctx, stop := context.WithCancel(ctx)
	j := &Jobs{stop: stop, done: make(chan struct{})}
	go func() {
		defer close(j.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			r := db.RunJobs(ctx)
			j.mu.Lock()
			j.last = r
			for _, f := range r.Failures {
				j.fail = append(j.fail, r.At.Format("2006-01-02 15:04")+" "+f)
			}
			if n := len(j.fail); n > jobFailuresKept {
				j.fail = append([]string(nil), j.fail[n-jobFailuresKept:]...)
			}
			j.mu.Unlock()
			if report != nil {
				report(r)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return j
}

// Stop ends the jobs and waits until the running transaction, if any, has
// committed, so the file can be closed after it returns.
func (j *Jobs) Stop() {
	j.stop()
	<-j.done
}

// Failures are the latest failed jobs, oldest first, each with its time.
func (j *Jobs) Failures() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.fail...)
}

// Last is the latest run's report.
func (j *Jobs) Last() JobReport {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last
}

// systemRead runs fn in a read transaction as the owner account, with a
// job's cache: the jobs' lookups and rendering happen there.
func (db *DB) systemRead(c *jobCache, fn func(r *txn) error) error {
	var owner domain.ID
	if err := db.bolt.View(func(tx *bolt.Tx) error { owner = metaID(tx, keyOwner); return nil }); err != nil {
		return err
	}
	s := &session{db: db, actor: owner}
	return s.read(func(r *txn) error {
		r.cache = c
		return fn(r)
	})
}

// systemCached runs fn as the owner account (jobs act for the
// organization) with a job's cache, timing the transaction. ctx is the
// jobs' own: stopping them (Jobs.Stop, the console quitting) cancels a
// write still on its way, which then writes nothing.
func (db *DB) systemCached(ctx context.Context, c *jobCache, fn func(w *txn) error) error {
	var owner domain.ID
	if err := db.bolt.View(func(tx *bolt.Tx) error { owner = metaID(tx, keyOwner); return nil }); err != nil {
		return err
	}
	s := &session{db: db, actor: owner}
	var began time.Time
	err := s.write(ctx, func(w *txn) error {
		began = time.Now()
		w.cache = c
		return fn(w)
	})
	if c != nil && !began.IsZero() {
		c.writes++
		c.longest = max(c.longest, time.Since(began))
	}
	return err
}

// stopped is a job's write error, or nil when the write was cancelled by
// the jobs' context: the jobs were stopped, which is no failure, and that
// write wrote nothing (the next run does it).
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// RunSchedules creates a ticket for every due run of every enabled task.
// Creating the ticket and advancing the task's next run are one
// transaction, so a crash between two runs never repeats one.
func (db *DB) RunSchedules(ctx context.Context) (int, error) {
	return db.runSchedules(ctx, newJobCache())
}

func (db *DB) runSchedules(ctx context.Context, c *jobCache) (int, error) {
	created := 0
	var ids []domain.ID
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSchedules).ForEach(func(k, v []byte) error {
			ids = append(ids, btoi(k))
			return nil
		})
	}); err != nil {
		return 0, err
	}
	for _, id := range ids {
		for range 1000 { // catch up missed runs, bounded
			if ctx.Err() != nil {
				return created, nil
			}
			ran := false
			err := db.systemCached(ctx, c, func(w *txn) error {
				var st domain.ScheduledTask
				found, err := getJSON(w.tx, bSchedules, id, &st)
				if err != nil {
					return err
				}
				if !found || !st.Enabled || st.NextRun.After(w.now) {
					return errStop // nothing due: roll back the empty transaction
				}
				b, err := getBuilding(w.tx, st.Building)
				if err != nil {
					return fmt.Errorf("scheduled task %q: its building is gone", st.Title)
				}
				t, err := w.buildTicket(domain.NewTicket{Title: st.Title, Description: st.Description, Building: b.Code,
					ProblemType: st.ProblemType, Priority: st.Priority})
				if err != nil {
					return fmt.Errorf("scheduled task %q: %w", st.Title, err)
				}
				if err := w.number(&t); err != nil {
					return err
				}
				w.autoAssign(&t)
				// the run touches only its own field (next run): it never
				// conflicts with a form that has the task open
				run, before := st.NextRun, st
				st.NextRun = st.Advance(st.NextRun)
				firstVersion(&st)
				if _, err := w.revise("schedule", st.Title, id, &st.Rev, 0,
					domain.ScheduleFields(&before, nil), domain.ScheduleFields(&st, nil)); err != nil {
					return err
				}
				if err := putJSON(w.tx, bSchedules, id, st); err != nil {
					return err
				}
				delete(w.pending, string(revKey("schedule", id))) // the ticket's event tells of the run
				ran = true
				return w.saveTicket(nil, &t, "report", "scheduled task "+st.Title+" run "+run.Format("2006-01-02 15:04"), "")
			})
			if err == errStop {
				break
			}
			if err != nil {
				return created, stopped(ctx, err)
			}
			if !ran {
				break
			}
			created++
		}
	}
	return created, nil
}

// keyOverdueResume is where a stopped overdue sweep left off: the status
// index key after which the next run starts.
var keyOverdueResume = []byte("overdue_resume")

// keyOverdueProgress is how far a stopped batch got through one ticket's
// notices: ticket number, level and messages stored, 8 bytes each.
var keyOverdueProgress = []byte("overdue_progress")

// RunOverdue queues overdue notices for open tickets that reached a new
// level since the last run; the level sent is remembered per ticket so a
// notice is never sent twice.
func (db *DB) RunOverdue(ctx context.Context) (int, error) {
	return db.runOverdue(ctx, newJobCache())
}

// runOverdue walks the open tickets in the status index in short read
// transactions and notifies those due in write transactions of at most
// jobBatch tickets or jobBatchTime. Each write records where it got to, so
// a run stopped by the process quitting resumes there, then wraps around
// to cover the tickets before it.
func (db *DB) runOverdue(ctx context.Context, c *jobCache) (int, error) {
	var policies []domain.OverduePolicy
	var resume []byte
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		policies = overduePolicies(tx)
		if v := tx.Bucket(bMeta).Get(keyOverdueResume); len(v) > 0 {
			resume = append([]byte(nil), v...)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if len(policies) == 0 {
		return 0, nil
	}
	c.warm(db)
	sent := 0
	// from resume to the end, then from the start up to resume
	passes := [][2][]byte{{resume, nil}}
	if resume != nil {
		passes = append(passes, [2][]byte{nil, resume})
	}
	for _, p := range passes {
		n, err := db.overduePass(ctx, c, policies, p[0], p[1])
		sent += n
		if err != nil || ctx.Err() != nil {
			return sent, err
		}
	}
	// the sweep went all the way round: the next one starts at the beginning
	var left bool
	if err := db.bolt.View(func(tx *bolt.Tx) error { left = tx.Bucket(bMeta).Get(keyOverdueResume) != nil; return nil }); err != nil {
		return sent, err
	}
	if left {
		err := db.systemCached(ctx, c, func(w *txn) error {
			if err := kvDel(w.tx.Bucket(bMeta), keyOverdueResume); err != nil {
				return err
			}
			return w.audit("ticket", 0, "overdue", "overdue notices", "", "the sweep finished")
		})
		if err != nil {
			return sent, stopped(ctx, err)
		}
	}
	return sent, nil
}

// overdueCandidate is an open ticket whose level rose, with its index key.
type overdueCandidate struct {
	number uint64
	key    []byte
}

// overduePass notifies the due tickets whose status keys lie after from
// (all when nil) and before to (to the end when nil).
func (db *DB) overduePass(ctx context.Context, c *jobCache, policies []domain.OverduePolicy, from, to []byte) (int, error) {
	sent := 0
	pos := from
	for {
		if ctx.Err() != nil {
			return sent, nil
		}
		var due []overdueCandidate
		var done bool
		if err := db.bolt.View(func(tx *bolt.Tx) (err error) {
			due, pos, done, err = overdueScan(tx, policies, db.now(), pos, to)
			return err
		}); err != nil {
			return sent, err
		}
		for len(due) > 0 {
			if ctx.Err() != nil {
				return sent, nil
			}
			n, took, err := db.overdueBatch(ctx, c, policies, due)
			if err != nil {
				return sent, err
			}
			sent += n
			due = due[took:]
		}
		if done {
			return sent, nil
		}
	}
}

// overdueScan reads up to jobScan status index keys after from and before
// to, and returns the open tickets whose overdue level rose, the last key
// read and whether the range is exhausted.
func overdueScan(tx *bolt.Tx, policies []domain.OverduePolicy, now time.Time, from, to []byte) ([]overdueCandidate, []byte, bool, error) {
	var due []overdueCandidate
	cur := tx.Bucket(bTStatus).Cursor()
	var k []byte
	if from == nil {
		k, _ = cur.First()
	} else if k, _ = cur.Seek(from); k != nil && bytes.Equal(k, from) {
		k, _ = cur.Next()
	}
	last := from
	for n := 0; k != nil; n++ {
		if to != nil && bytes.Compare(k, to) > 0 {
			return due, last, true, nil
		}
		if n == jobScan {
			return due, last, false, nil
		}
		last = append([]byte(nil), k...)
		if st := domain.Status(btoi(k[:8])); !st.Open() {
			// skip the rest of a closed status at once
			k, _ = cur.Seek(itob(btoi(k[:8]) + 1))
			continue
		}
		num := btoi(k[16:])
		t, ok, err := getTicket(tx, domain.TicketNumber(num))
		if err != nil {
			return due, last, false, err
		}
		if ok {
			prev := 0
			if v := tx.Bucket(bOverdue).Get(itob(num)); len(v) == 1 {
				prev = int(v[0])
			}
			if domain.OverdueLevel(&t, policies, now) > prev {
				due = append(due, overdueCandidate{number: num, key: last})
			}
		}
		k, _ = cur.Next()
	}
	return due, last, true, nil
}

// overdueNotice is one due ticket with its notices, rendered in a read
// transaction; level 0 means there is nothing to send (closed meanwhile,
// or already at that level) and only the resume point moves past it.
type overdueNotice struct {
	cand        overdueCandidate
	level, prev int
	msgs        []domain.Message
}

// overdueChunk is how many messages are stored between two looks at the
// clock; one ticket's notices may span several write transactions.
const overdueChunk = 32

// overdueBatch renders the notices of the first of due (up to jobBatch
// tickets) in a read transaction, then stores them in write transactions
// of at most about jobBatchTime each: rendering and recipient lookups, the
// bulk of the work, never hold the write lock. A ticket whose notices span
// several transactions records how many were stored (keyOverdueProgress),
// and its overdue level only with the last of them, so a stopped run
// neither repeats a message nor skips one. It returns how many tickets got
// notices and how many candidates it took (all of due it looked at).
func (db *DB) overdueBatch(ctx context.Context, c *jobCache, policies []domain.OverduePolicy, due []overdueCandidate) (sent, took int, err error) {
	var prepared []overdueNotice
	err = db.systemRead(c, func(r *txn) error {
		began := time.Now()
		for _, d := range due {
			if len(prepared) == jobBatch || (len(prepared) > 0 && time.Since(began) > jobRenderTime) {
				break
			}
			p := overdueNotice{cand: d}
			t, ok, err := getTicket(r.tx, domain.TicketNumber(d.number))
			if err != nil {
				return err
			}
			if ok && t.Status.Open() {
				p.prev = overdueMark(r.tx, d.number)
				if lvl := domain.OverdueLevel(&t, policies, r.now); lvl > p.prev {
					p.level = lvl
					if p.msgs, err = r.notices(domain.EventOverdue, &t, "", lvl); err != nil {
						return err
					}
				}
			}
			prepared = append(prepared, p)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for i := 0; i < len(prepared); {
		if ctx.Err() != nil {
			return sent, i, nil // stopped: the progress mark and resume point say where
		}
		before := sent
		err = db.systemCached(ctx, c, func(w *txn) error {
			began := time.Now()
			notified := 0
			last := -1 // the last ticket finished in this transaction
			stored := 0
			for i < len(prepared) && (last < 0 || time.Since(began) < jobBatchTime) {
				p := &prepared[i]
				if p.level == 0 {
					last, i = i, i+1
					continue
				}
				t, ok, err := getTicket(w.tx, domain.TicketNumber(p.cand.number))
				if err != nil {
					return err
				}
				if !ok || !t.Status.Open() || overdueMark(w.tx, p.cand.number) != p.prev {
					last, i = i, i+1 // closed, or another process notified it meanwhile
					continue
				}
				done := overdueProgress(w.tx, p.cand.number, p.level)
				for done < len(p.msgs) && (stored == 0 || time.Since(began) < jobBatchTime) {
					n := min(len(p.msgs)-done, overdueChunk)
					if err := w.queue(&t, domain.EventOverdue, p.msgs[done:done+n]); err != nil {
						return err
					}
					done += n
					stored += n // at least one chunk a transaction, so every one makes progress
				}
				if done < len(p.msgs) {
					// the rest in the next transaction
					if err := kvPut(w.tx.Bucket(bMeta), keyOverdueProgress, progressValue(p.cand.number, p.level, done)); err != nil {
						return err
					}
					break
				}
				if err := kvDel(w.tx.Bucket(bMeta), keyOverdueProgress); err != nil {
					return err
				}
				if err := kvPut(w.tx.Bucket(bOverdue), itob(p.cand.number), []byte{byte(p.level)}); err != nil {
					return err
				}
				if err := w.history(&t, "overdue", fmt.Sprintf("notice %d", p.level), ""); err != nil {
					return err
				}
				notified++
				if len(p.msgs) > 0 {
					sent++
				}
				last, i = i, i+1
			}
			if last >= 0 {
				if err := kvPut(w.tx.Bucket(bMeta), keyOverdueResume, prepared[last].cand.key); err != nil {
					return err
				}
			}
			return w.audit("ticket", 0, "overdue", "overdue notices", "", fmt.Sprintf("%d tickets reached a new overdue level", notified))
		})
		if err != nil {
			// nothing of this write is stored (a stop included): the
			// marks of the last one say where the next run starts
			return before, i, stopped(ctx, err)
		}
	}
	return sent, len(prepared), nil
}

// overdueMark is the overdue level already notified for a ticket.
func overdueMark(tx *bolt.Tx, number uint64) int {
	if v := tx.Bucket(bOverdue).Get(itob(number)); len(v) == 1 {
		return int(v[0])
	}
	return 0
}

// overdueProgress is how many of a ticket's notices for level a stopped
// batch already stored (0 when it is not that ticket and level).
func overdueProgress(tx *bolt.Tx, number uint64, level int) int {
	v := tx.Bucket(bMeta).Get(keyOverdueProgress)
	if len(v) != 24 || btoi(v[:8]) != number || btoi(v[8:16]) != uint64(level) {
		return 0
	}
	return int(btoi(v[16:]))
}

func progressValue(number uint64, level, done int) []byte {
	return append(append(itob(number), itob(uint64(level))...), itob(uint64(done))...)
}
