package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/safefile"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The etcd backend keeps the store's buckets under one key prefix P:
//
//	P/k/<bucket>/<key>   a record (the bbolt bucket's key and value)
//	P/q/<bucket>         the bucket's sequence, 8 bytes big-endian
//	P/rev                the commit guard: every write puts it (its value
//	                     is the write's id and change events, for other
//	                     sites and WriteOutcome)
//	P/stage/<id>/<n>     chunks of a write too large for one Txn
//	P/commit/<id>        the record that makes those chunks committed
//	P/pending            the id of a committed large write still being
//	                     copied into P/k (writers wait for it)
//
// Each process keeps a mirror of P in a private bbolt file fed by Watch,
// and the store's code (written once, over bbolt transactions) reads the
// mirror. A write runs in a mirror transaction that is rolled back; what it
// wrote is sent as one Txn guarded by P/rev's mod revision, so it commits
// only if nothing was committed since the state it read: serializable, as
// bbolt's single writer is. Every write appends to the audit log's shared
// sequence, so finer read sets would conflict just the same. After commit
// the writer waits until its mirror holds the new revision.

// etcd's default request limits, which gatehouse stays under.
const (
	etcdMaxOps   = 100       // of max-txn-ops 128, with room for guards
	etcdMaxBytes = 1 << 20   // of max-request-bytes 1.5 MiB
	etcdChunk    = 512 << 10 // one staged chunk
	etcdRetries  = 40
	// loadPage is the keys one range read of a full load asks for
	loadPage = 50000
	// etcdMaxChanges bounds the change events carried by one write
	etcdMaxChanges = 64 << 10
	etcdWait       = 30 * time.Second
)

// etcdStore is the etcd half of a DB: the client, the prefix and the state
// of the mirror (db.bolt).
type etcdStore struct {
	db     *DB
	cli    *clientv3.Client
	prefix string // "gatehouse/"
	file   string // the mirror's temp file
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when follow returns; nil before it starts

	temp bool          // the mirror is a temporary file (the cache was in use)
	kept atomic.Uint64 // how many write ids the mirror remembers (writesKept)

	mu       sync.Mutex
	cond     *sync.Cond
	rev      int64  // the mirror holds every change up to here
	own      int64  // this process's newest write, applied to the mirror before the watch brought it
	watched  int64  // the newest revision the watch applied, set inside its mirror transaction
	guardRev int64  // P/rev's mod revision in the mirror
	pending  string // P/pending in the mirror
	ignoring string // a committed large write being copied: its copies are already applied
	stages   map[string]map[int][]byte
	fatal    error // the watch cannot go on
}

// ParseStoreURL splits etcd://host:port,host:port[/prefix] into endpoints
// and a key prefix (default "gatehouse").
func ParseStoreURL(s string) (endpoints []string, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "etcd://")
	if !ok {
		return nil, "", fmt.Errorf("--store %q: want etcd://host:port[,host:port…][/prefix]", s)
	}
	hosts, prefix, _ := strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		prefix = "gatehouse"
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") {
			return nil, "", fmt.Errorf("--store %q: endpoint %q has no port (host:2379)", s, h)
		}
		endpoints = append(endpoints, "http://"+h)
	}
	if len(endpoints) == 0 {
		return nil, "", fmt.Errorf("--store %q: no etcd endpoint", s)
	}
	return endpoints, prefix, nil
}

// IsStoreURL says whether s names an etcd store rather than a file.
func IsStoreURL(s string) bool { return strings.HasPrefix(s, "etcd://") }

// OpenEtcd opens the store kept in an etcd cluster: it loads a mirror of
// the prefix, seeds an empty prefix, and follows changes until Close.
func OpenEtcd(url string, opts Options) (db *DB, err error) {
	endpoints, prefix, err := ParseStoreURL(url)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("cannot reach etcd at %s: %w", url, err)
	}
	hctx, hcancel := context.WithTimeout(context.Background(), etcdWait)
	head, err := cli.Get(hctx, prefix+"/rev")
	hcancel()
	if err != nil {
		_ = cli.Close() // the unreachable cluster is the error to report
		return nil, etcdError(url, err)
	}
	b, file, temp, err := openMirror(head.Header.ClusterId, endpoints, prefix)
	if err != nil {
		_ = cli.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &etcdStore{cli: cli, prefix: prefix + "/", file: file, temp: temp, ctx: ctx, cancel: cancel,
		stages: map[string]map[int][]byte{}}
	e.cond = sync.NewCond(&e.mu)
	e.kept.Store(writesKept)
	db = &DB{bolt: b, path: url, now: opts.Now, subs: map[int]chan domain.Change{}, remote: e,
		release: safefile.Hold(file, "the local mirror of "+url)}
	e.db = db
	opened := db
	defer func() {
		if err != nil {
			_ = opened.Close() // the open error is the one to report
		}
	}()
	if err := b.Update(func(tx *bolt.Tx) error {
		for _, name := range append(allBuckets, bMirror, bWrites) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// a cache of an older build remembers no write ids before its guard
		if m := tx.Bucket(bMirror); m.Get(keyMirrorWritesFrom) == nil {
			return m.Put(keyMirrorWritesFrom, itob(btoi(m.Get(keyMirrorGuard))))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rev := e.resume(head.Header.Revision)
	if rev == 0 {
		if rev, err = e.load(ctx); err != nil {
			return nil, err
		}
	}
	e.done = make(chan struct{})
	go e.follow(rev)
	if err := e.catchUp(head.Header.Revision); err != nil {
		return nil, err
	}
	fresh := false
	if err := b.View(func(tx *bolt.Tx) error { fresh = tx.Bucket(bMeta).Get(keySchema) == nil; return nil }); err != nil {
		return nil, err
	}
	if !fresh {
		if err := db.checkSchema(false); err != nil {
			return nil, err
		}
	}
	if err := db.ready(fresh, opts.Owner); err != nil {
		return nil, err
	}
	return db, nil
}

// close stops following the cluster and removes the mirror file.
func (e *etcdStore) close() error {
	e.cancel()
	if e.done != nil {
		<-e.done
	}
	e.mu.Lock()
	if e.fatal == nil {
		e.fatal = errors.New("the store is closed")
	}
	e.cond.Broadcast()
	e.mu.Unlock()
	return e.cli.Close()
}

func (e *etcdStore) key(bucket string, k []byte) string {
	return e.prefix + "k/" + bucket + "/" + string(k)
}
func (e *etcdStore) seqKey(bucket string) string { return e.prefix + "q/" + bucket }
func (e *etcdStore) revKey() string              { return e.prefix + "rev" }
func (e *etcdStore) pendingKey() string          { return e.prefix + "pending" }
func (e *etcdStore) commitKey(id string) string  { return e.prefix + "commit/" + id }
func (e *etcdStore) stageKey(id string, n int) string {
	return fmt.Sprintf("%sstage/%s/%06d", e.prefix, id, n)
}

// load reads the whole prefix at one revision into the mirror, replacing
// what it held, in one mirror transaction: readers see the old state or
// the new one, never an empty or half-read store.
func (e *etcdStore) load(ctx context.Context) (rev int64, err error) {
	tx, err := e.db.bolt.Begin(true)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // the load's error is the one to report
		}
	}()
	for _, name := range append(allBuckets, bMirror) {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return 0, err
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return 0, err
		}
	}
	e.mu.Lock()
	e.guardRev, e.own, e.pending, e.ignoring = 0, 0, "", ""
	e.stages = map[string]map[int][]byte{}
	e.mu.Unlock()
	start, end := e.prefix, clientv3.GetPrefixRangeEnd(e.prefix)
	var commits []*mvccpb.KeyValue
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(loadPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := e.cli.Get(ctx, start, opts...)
		if err != nil {
			return 0, fmt.Errorf("cannot read the store from etcd: %w", err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			if strings.HasPrefix(string(kv.Key), e.prefix+"commit/") {
				commits = append(commits, kv)
				continue
			}
			if err := e.apply(tx, kv, false, nil); err != nil {
				return 0, err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		start = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	// a large write committed but not yet copied out: its chunks hold the
	// newest values
	for _, kv := range commits {
		if err := e.apply(tx, kv, false, nil); err != nil {
			return 0, err
		}
	}
	if err := e.saveState(tx, rev); err != nil {
		return 0, err
	}
	e.mu.Lock()
	e.watched = max(e.watched, rev)
	guard := e.guardRev
	e.mu.Unlock()
	// the write ids the mirror remembers (bWrites, kept across a reload)
	// may miss writes between its old revision and the guard just read
	if err := raiseWritesFrom(tx, guard); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	e.mu.Lock()
	e.rev = max(e.rev, rev)
	e.cond.Broadcast()
	e.mu.Unlock()
	return rev, nil
}

// follow applies the watch's events to the mirror until Close, watching
// again after an error and reloading after a compaction.
func (e *etcdStore) follow(rev int64) {
	defer close(e.done)
	backoff := 50 * time.Millisecond
	for e.ctx.Err() == nil {
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(e.ctx))
		ch := e.cli.Watch(wctx, e.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1), clientv3.WithProgressNotify())
		for resp := range ch {
			if resp.CompactRevision != 0 {
				// the events since rev are gone: read everything again
				if r, err := e.load(e.ctx); err == nil {
					rev = r
					e.db.publish([]domain.Change{{Entity: "store", Action: "reloaded"}})
				}
				break
			}
			if err := resp.Err(); err != nil {
				break
			}
			if len(resp.Events) == 0 {
				if resp.IsProgressNotify() && resp.Header.Revision > rev {
					rev = resp.Header.Revision
					e.advance(rev)
				}
				continue
			}
			last, err := e.applyEvents(resp.Events)
			if err != nil {
				e.mu.Lock()
				e.fatal = fmt.Errorf("the local mirror of %s failed: %w", e.db.path, err)
				e.cond.Broadcast()
				e.mu.Unlock()
				cancel()
				return
			}
			rev = last
			backoff = 50 * time.Millisecond
		}
		cancel()
		select {
		case <-e.ctx.Done():
		case <-time.After(backoff):
			backoff = min(2*backoff, 2*time.Second)
		}
	}
}

func (e *etcdStore) advance(rev int64) {
	e.mu.Lock()
	if rev > e.rev {
		e.rev = rev
	}
	e.cond.Broadcast()
	e.mu.Unlock()
}

// applyEvents applies one watch response in one mirror transaction and
// publishes the change events the writes carried.
func (e *etcdStore) applyEvents(evs []*clientv3.Event) (int64, error) {
	var changes []domain.Change
	var last int64
	err := e.db.bolt.Update(func(tx *bolt.Tx) error {
		for _, ev := range evs {
			last = max(last, ev.Kv.ModRevision)
			if err := e.apply(tx, ev.Kv, ev.Type == mvccpb.DELETE, &changes); err != nil {
				return err
			}
		}
		e.mu.Lock()
		e.watched = max(e.watched, last)
		e.mu.Unlock()
		return e.saveState(tx, last)
	})
	// waiters see the revision only once its data is committed (the guard
	// moved inside the transaction: a writer begins after the commit)
	e.mu.Lock()
	if err == nil {
		e.rev = max(e.rev, last)
	}
	e.cond.Broadcast()
	e.mu.Unlock()
	if err == nil {
		e.db.publish(changes)
	}
	return last, err
}

// apply puts one key of the prefix into the mirror.
func (e *etcdStore) apply(tx *bolt.Tx, kv *mvccpb.KeyValue, del bool, changes *[]domain.Change) error {
	k := strings.TrimPrefix(string(kv.Key), e.prefix)
	e.mu.Lock()
	ignoring := e.ignoring
	// a record this process wrote is already in the mirror; no other
	// write's records can come between two of its writes (the guard), so
	// nothing at or below own is missing
	if kv.ModRevision <= e.own {
		ignoring = "own"
	}
	e.mu.Unlock()
	switch {
	case strings.HasPrefix(k, "k/"):
		if ignoring != "" {
			return nil
		}
		bucket, key, ok := strings.Cut(k[2:], "/")
		if !ok {
			return nil
		}
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil // a bucket of a newer gatehouse
		}
		if del {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), append([]byte{}, kv.Value...))
	case strings.HasPrefix(k, "q/"):
		if ignoring != "" {
			return nil
		}
		if b := tx.Bucket([]byte(k[2:])); b != nil && len(kv.Value) == 8 {
			return b.SetSequence(binary.BigEndian.Uint64(kv.Value))
		} else if b != nil && del {
			return b.SetSequence(0)
		}
	case k == "rev":
		if del {
			return nil
		}
		e.mu.Lock()
		e.guardRev = max(e.guardRev, kv.ModRevision)
		e.mu.Unlock()
		id, cs, ok := decodeGuard(kv.Value)
		if !ok {
			return nil
		}
		// this process's own write published its changes when it applied
		// them (as a bbolt write does after commit)
		if changes != nil && ignoring != "own" {
			*changes = append(*changes, cs...)
		}
		// WriteOutcome looks here for a write whose answer was lost
		return e.recordWrite(tx, id, kv.ModRevision)
	case k == "pending":
		e.mu.Lock()
		if del {
			e.pending, e.ignoring = "", ""
		} else {
			e.pending = string(kv.Value)
		}
		e.mu.Unlock()
	case strings.HasPrefix(k, "stage/"):
		id, n, _ := strings.Cut(k[len("stage/"):], "/")
		e.mu.Lock()
		if del {
			delete(e.stages, id)
		} else {
			var i int
			if _, err := fmt.Sscanf(n, "%d", &i); err == nil {
				if e.stages[id] == nil {
					e.stages[id] = map[int][]byte{}
				}
				e.stages[id][i] = append([]byte{}, kv.Value...)
			}
		}
		e.mu.Unlock()
	case strings.HasPrefix(k, "commit/"):
		if del {
			return nil
		}
		id := k[len("commit/"):]
		ops, err := e.staged(e.ctx, id, kv.Value)
		if err != nil {
			return err
		}
		if err := applyOps(tx, ops); err != nil {
			return err
		}
		e.mu.Lock()
		e.ignoring = id
		e.mu.Unlock()
	}
	return nil
}

// applyOps writes decoded operations into the mirror.
func applyOps(tx *bolt.Tx, ops []op) error {
	for _, o := range ops {
		if o.drop {
			c := tx.Bucket([]byte(o.bucket)).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
	}
	for _, o := range ops {
		b := tx.Bucket([]byte(o.bucket))
		if b == nil {
			continue
		}
		var err error
		switch {
		case o.drop:
		case o.key == nil:
			err = b.SetSequence(binary.BigEndian.Uint64(o.val))
		case o.del:
			err = b.Delete(o.key)
		default:
			err = b.Put(o.key, o.val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// staged decodes a committed large write from its chunks.
func (e *etcdStore) staged(ctx context.Context, id string, manifest []byte) ([]op, error) {
	var m struct{ Chunks int }
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("commit record %s: %w", id, err)
	}
	e.mu.Lock()
	chunks := e.stages[id]
	e.mu.Unlock()
	if len(chunks) < m.Chunks {
		// written before a resumed mirror's revision: read them (they stay
		// until the write is copied out, after this commit record)
		var resp *clientv3.GetResponse
		err := e.call(ctx, func(ctx context.Context) (err error) {
			resp, err = e.cli.Get(ctx, e.prefix+"stage/"+id+"/", clientv3.WithPrefix())
			return err
		})
		if err != nil {
			return nil, etcdError(e.db.path, err)
		}
		chunks = map[int][]byte{}
		for _, kv := range resp.Kvs {
			var i int
			if _, err := fmt.Sscanf(string(kv.Key[len(e.prefix+"stage/"+id+"/"):]), "%d", &i); err == nil {
				chunks[i] = kv.Value
			}
		}
	}
	var ops []op
	for i := range m.Chunks {
		c, ok := chunks[i]
		if !ok {
			return nil, fmt.Errorf("commit record %s: chunk %d of %d is missing", id, i, m.Chunks)
		}
		o, err := decodeOps(c)
		if err != nil {
			return nil, fmt.Errorf("commit record %s, chunk %d: %w", id, i, err)
		}
		ops = append(ops, o...)
	}
	return ops, nil
}

// waitFor blocks until the mirror holds revision rev, for at most
// etcdWait, and returns ctx.Err() at once when ctx ends. written says
// whether the caller's write is committed (then a timeout says so).
func (e *etcdStore) waitFor(ctx context.Context, rev int64, written bool) error {
	wctx, cancel := context.WithTimeout(ctx, etcdWait)
	defer cancel()
	// the waiter holds e.mu from its look at wctx to cond.Wait, so this
	// broadcast cannot fall between the two
	stop := context.AfterFunc(wctx, func() { e.mu.Lock(); e.cond.Broadcast(); e.mu.Unlock() })
	defer stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.rev < rev && e.fatal == nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		if wctx.Err() != nil {
			if written {
				return domain.Errorf(domain.EInternal, "written, but this gatehouse's copy of %s has not caught up after %s", e.db.path, etcdWait)
			}
			return domain.Errorf(domain.EInternal, "this gatehouse's copy of %s has not caught up after %s; nothing was written", e.db.path, etcdWait)
		}
		e.cond.Wait()
	}
	return e.fatal
}

// errConflict is a commit refused because another write committed first.
var errConflict = errors.New("conflict")

// update runs fn against the mirror and commits what it wrote to etcd,
// running it again on a conflict. ctx reaches the commit: until the
// guarded Txn is sent, a cancelled ctx ends the write at once (waits
// included) with ctx.Err() and nothing written; once it is sent, the
// answer decides, and a lost answer is an *OutcomeUnknownError.
func (e *etcdStore) update(ctx context.Context, fn func(tx *bolt.Tx) ([]domain.Change, error)) error {
	for range etcdRetries {
		if err := e.settlePending(ctx); err != nil {
			return err
		}
		tx, err := e.db.bolt.Begin(true)
		if err != nil {
			return err
		}
		e.mu.Lock()
		base, fatal := e.guardRev, e.fatal
		e.mu.Unlock()
		if fatal != nil {
			_ = tx.Rollback()
			return fatal
		}
		rec := newRecorder(tx)
		changes, err := fn(tx)
		rec.stop()
		_ = tx.Rollback() // the mirror takes the write from the watch
		if err != nil {
			return err
		}
		if h := e.db.hooks.beforeCommit; h != nil {
			h()
		}
		if err := ctx.Err(); err != nil {
			return err // nothing was sent
		}
		if rec.empty() {
			return nil
		}
		ops := rec.list()
		rev, staged, err := e.commit(ctx, ops, base, changes)
		if errors.Is(err, errConflict) {
			if err := e.waitFor(ctx, rev, false); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if staged {
			// committed: the mirror catches up whatever ctx says now
			return e.waitFor(context.WithoutCancel(ctx), rev, true)
		}
		// read-your-writes without waiting for the watch's round trip
		return e.applyOwn(ops, rev, changes)
	}
	return domain.Errorf(domain.EConflict, "%s is busy: other gatehouse processes kept writing; try again", e.db.path)
}

// applyOwn puts a write this process committed at rev into the mirror at
// once and publishes its changes, as a bbolt write does after commit.
// Nothing of another write can lie between the mirror's guard and rev (the
// Txn compared it), so the mirror is as the cluster was at rev; the
// watch's copy of these records and changes is skipped when it arrives.
func (e *etcdStore) applyOwn(ops []op, rev int64, changes []domain.Change) error {
	tx, err := e.db.bolt.Begin(true)
	if err != nil {
		return err
	}
	e.mu.Lock()
	done := e.watched >= rev
	e.mu.Unlock()
	if done {
		_ = tx.Rollback() // the watch was first, and published the changes
		return nil
	}
	if err := applyOps(tx, ops); err != nil {
		_ = tx.Rollback() // the error says why
		return e.broken(err)
	}
	e.mu.Lock()
	e.own = max(e.own, rev)
	e.guardRev = max(e.guardRev, rev)
	e.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return e.broken(err)
	}
	e.db.publish(changes)
	return nil
}

// broken stops the mirror after it failed to take a committed write: it
// can no longer say what the cluster holds.
func (e *etcdStore) broken(err error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fatal == nil {
		e.fatal = fmt.Errorf("the local mirror of %s failed (the write was committed): %w", e.db.path, err)
	}
	e.cond.Broadcast()
	return e.fatal
}

// settlePending waits for a large write being copied out by another
// process, and finishes the copy itself if that process stopped. A
// cancelled ctx ends the wait at once.
func (e *etcdStore) settlePending(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		e.mu.Lock()
		id, fatal := e.pending, e.fatal
		e.mu.Unlock()
		if fatal != nil || id == "" {
			return fatal
		}
		if time.Now().After(deadline) {
			if err := e.finish(ctx, id); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			deadline = time.Now().Add(3 * time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// finish copies a committed large write whose writer stopped. Stopping it
// midway under a cancelled ctx is safe: the next writer copies it again.
func (e *etcdStore) finish(ctx context.Context, id string) error {
	var resp *clientv3.GetResponse
	err := e.call(ctx, func(ctx context.Context) (err error) {
		resp, err = e.cli.Get(ctx, e.commitKey(id))
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return etcdError(e.db.path, err)
	}
	if len(resp.Kvs) == 0 {
		return nil // finished meanwhile
	}
	ops, err := e.staged(ctx, id, resp.Kvs[0].Value)
	if err != nil {
		return err
	}
	rev, err := e.materialize(ctx, id, ops)
	if err != nil {
		return err
	}
	return e.waitFor(ctx, rev, false)
}

// commit sends a recorded write as one guarded Txn, or staged when it is
// larger than one Txn may be. It returns the revision to wait for. The
// guard record carries a write id: when the Txn's answer is lost (ctx
// ended, no answer in etcdWait, the connection dropped) the error is an
// *OutcomeUnknownError naming it, and WriteOutcome tells later whether
// the write landed.
func (e *etcdStore) commit(ctx context.Context, ops []op, base int64, changes []domain.Change) (rev int64, staged bool, err error) {
	id := newWriteID(base)
	guard, err := encodeGuard(id, changes)
	if err != nil {
		return 0, false, err
	}
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(e.pendingKey()), "=", 0), e.guardCmp(base)}
	size := len(guard)
	drops := false
	for _, o := range ops {
		size += len(o.key) + len(o.val) + len(e.prefix) + len(o.bucket) + 8
		drops = drops || o.drop
	}
	if len(ops) < etcdMaxOps && size < etcdMaxBytes && !drops {
		then := append(e.etcdOps(ops), clientv3.OpPut(e.revKey(), string(guard)))
		resp, err := e.send(ctx, id, func(ctx context.Context) (*clientv3.TxnResponse, error) {
			return e.cli.Txn(ctx).If(cmps...).Then(then...).Else(clientv3.OpGet(e.revKey())).Commit()
		})
		if err != nil {
			return 0, false, err
		}
		if !resp.Succeeded {
			return conflictRev(resp), false, errConflict
		}
		return resp.Header.Revision, false, nil
	}
	// staged: chunks no reader sees, then one commit record; a failure
	// removes the chunks, so readers see all of the write or none of it
	e.sweepStages(ctx, time.Now())
	sid := newStageID(time.Now())
	chunks := encodeChunks(ops)
	for i, c := range chunks {
		if err := e.call(ctx, func(ctx context.Context) error {
			_, err := e.cli.Put(ctx, e.stageKey(sid, i), string(c))
			return err
		}); err != nil {
			e.dropStage(sid)
			if ctx.Err() != nil {
				return 0, true, ctx.Err() // no commit record was sent
			}
			return 0, true, etcdError(e.db.path, err)
		}
	}
	manifest, _ := json.Marshal(struct{ Chunks int }{len(chunks)})
	resp, err := e.send(ctx, id, func(ctx context.Context) (*clientv3.TxnResponse, error) {
		return e.cli.Txn(ctx).If(cmps...).Then(
			clientv3.OpPut(e.commitKey(sid), string(manifest)),
			clientv3.OpPut(e.pendingKey(), sid),
			clientv3.OpPut(e.revKey(), string(guard)),
		).Else(clientv3.OpGet(e.revKey())).Commit()
	})
	if err != nil {
		// an unknown outcome keeps the chunks: a commit record that landed
		// needs them (the next writer copies them out); if it did not, the
		// sweep removes them in an hour
		if !errors.Is(err, ErrOutcomeUnknown) {
			e.dropStage(sid)
		}
		return 0, true, err
	}
	if !resp.Succeeded {
		e.dropStage(sid)
		return conflictRev(resp), true, errConflict
	}
	// committed: the copy into the records finishes whatever ctx says
	// now, each request still bounded by etcdWait
	done := context.WithoutCancel(ctx)
	if err := e.waitFor(done, resp.Header.Revision, true); err != nil {
		return 0, true, err
	}
	rev, err = e.materialize(done, sid, ops)
	return rev, true, err
}

// guardCmp is the compare every write's Txn makes: P/rev is where the
// write's mirror read it (base), or absent while base is 0.
func (e *etcdStore) guardCmp(base int64) clientv3.Cmp {
	if base == 0 {
		return clientv3.Compare(clientv3.CreateRevision(e.revKey()), "=", 0)
	}
	return clientv3.Compare(clientv3.ModRevision(e.revKey()), "=", base)
}

// send runs the Txn that commits write id. Before it goes out a cancelled
// ctx returns ctx.Err() (nothing written); an error that may have come
// after the cluster took it is an *OutcomeUnknownError.
func (e *etcdStore) send(ctx context.Context, id string, txn func(ctx context.Context) (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
	if h := e.db.hooks.beforeSend; h != nil {
		h()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var resp *clientv3.TxnResponse
	var unknown error
	err := e.call(ctx, func(callCtx context.Context) (err error) {
		resp, err = txn(callCtx)
		if h := e.db.hooks.afterSend; h != nil {
			err = h(err)
		}
		if why := lostAnswer(ctx, callCtx, err); why != "" {
			unknown = &OutcomeUnknownError{WriteID: id, Store: e.db.path, Cause: why}
		}
		return err
	})
	switch {
	case unknown != nil:
		return nil, unknown
	case err != nil:
		return nil, etcdError(e.db.path, err)
	}
	return resp, nil
}

// lostAnswer says why err, the error of a Txn sent under the caller's
// ctx (call's per-request context is callCtx), leaves its outcome unknown,
// or "" when the Txn surely did not apply: a context ended (the caller's,
// etcdWait's deadline, Close), the server timed out waiting for the
// commit or lost its leader (the proposal may still apply), or the
// connection broke mid-request.
func lostAnswer(ctx, callCtx context.Context, err error) string {
	if err == nil {
		return ""
	}
	switch {
	case ctx.Err() != nil:
		return "the caller stopped waiting: " + ctx.Err().Error()
	case errors.Is(callCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer came in %s", etcdWait)
	case callCtx.Err() != nil || errors.Is(err, context.Canceled):
		return "the store was closed while it was on its way"
	case errors.Is(err, rpctypes.ErrNoLeader):
		return "" // refused before any proposal
	}
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) && ee.Code() == codes.Unavailable {
		return "etcd said: " + ee.Error()
	}
	if s, ok := status.FromError(err); ok && s.Code() == codes.Unavailable {
		return "the connection to etcd broke: " + s.Message()
	}
	return ""
}

// materialize copies a committed large write into its records in Txns of
// etcd's size, then removes the chunks and the pending mark. Mirrors that
// applied the commit record skip these copies. Each request has its own
// deadline under ctx; stopping midway leaves the pending mark, and the
// next writer finishes the copy (settlePending).
func (e *etcdStore) materialize(ctx context.Context, id string, ops []op) (int64, error) {
	owns := clientv3.Compare(clientv3.Value(e.pendingKey()), "=", id)
	var batch []clientv3.Op
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var resp *clientv3.TxnResponse
		err := e.call(ctx, func(ctx context.Context) (err error) {
			resp, err = e.cli.Txn(ctx).If(owns).Then(batch...).Commit()
			return err
		})
		batch, size = nil, 0
		if err != nil {
			return etcdError(e.db.path, err)
		}
		if !resp.Succeeded {
			return errConflict // another process finished it
		}
		return nil
	}
	var drops, rest []op
	for _, o := range ops {
		if o.drop {
			drops = append(drops, o)
		} else {
			rest = append(rest, o)
		}
	}
	for _, group := range [][]op{drops, rest} {
		for _, o := range group {
			eo := e.etcdOps([]op{o})
			n := len(o.key) + len(o.val) + 64
			if len(batch)+len(eo) >= etcdMaxOps || size+n >= etcdMaxBytes {
				if err := flush(); err != nil {
					return e.finished(err)
				}
			}
			batch = append(batch, eo...)
			size += n
		}
		if err := flush(); err != nil {
			return e.finished(err)
		}
	}
	var resp *clientv3.TxnResponse
	err := e.call(ctx, func(ctx context.Context) (err error) {
		resp, err = e.cli.Txn(ctx).If(owns).Then(
			clientv3.OpDelete(e.pendingKey()),
			clientv3.OpDelete(e.commitKey(id)),
			clientv3.OpDelete(e.prefix+"stage/"+id+"/", clientv3.WithPrefix()),
		).Commit()
		return err
	})
	if err != nil {
		return 0, etcdError(e.db.path, err)
	}
	return resp.Header.Revision, nil
}

// finished turns "another process finished the copy" into success; the
// caller's settlePending waits for the mirror to see it.
func (e *etcdStore) finished(err error) (int64, error) {
	if !errors.Is(err, errConflict) {
		return 0, err
	}
	return 0, nil
}

// conflictRev is the revision of the write that won, from a refused Txn's
// Else read of the guard: the mirror must reach it before trying again.
// (The response's header revision may belong to another prefix, which
// this mirror never sees.)
func conflictRev(resp *clientv3.TxnResponse) int64 {
	for _, r := range resp.Responses {
		if rr := r.GetResponseRange(); rr != nil && len(rr.Kvs) > 0 {
			return rr.Kvs[0].ModRevision
		}
	}
	return 0
}

func (e *etcdStore) dropStage(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = e.cli.Delete(ctx, e.prefix+"stage/"+id+"/", clientv3.WithPrefix()) // best effort: unreferenced chunks are never read
}

// etcdOps turns recorded operations into etcd requests.
func (e *etcdStore) etcdOps(ops []op) []clientv3.Op {
	out := make([]clientv3.Op, 0, len(ops))
	for _, o := range ops {
		switch {
		case o.drop:
			out = append(out, clientv3.OpDelete(e.prefix+"k/"+o.bucket+"/", clientv3.WithPrefix()))
		case o.key == nil:
			out = append(out, clientv3.OpPut(e.seqKey(o.bucket), string(o.val)))
		case o.del:
			out = append(out, clientv3.OpDelete(e.key(o.bucket, o.key)))
		default:
			out = append(out, clientv3.OpPut(e.key(o.bucket, o.key), string(o.val)))
		}
	}
	return out
}

// call runs one etcd request with its own deadline, etcdWait, under the
// caller's ctx (a cancelled caller stops it) and ended by Close: a large
// staged write is many requests, each bounded, never one deadline for
// all of them.
func (e *etcdStore) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, etcdWait)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	return fn(ctx)
}

func etcdError(path string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return domain.Errorf(domain.EInternal, "%s did not answer in %s (is a majority of the cluster up?)", path, etcdWait)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// newStageID names a staged write by when it began (so chunks a crashed
// writer left can be told stale) and by chance.
func newStageID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported systems
	return fmt.Sprintf("%d-%s", now.Unix(), hex.EncodeToString(b[:]))
}

// staleStage is how long a staged write may go without its commit record
// before its chunks count as left by a writer that stopped.
const staleStage = time.Hour

// sweepStages removes the chunks of staged writes that began more than
// staleStage ago and never committed (a process killed while uploading an
// import); best effort, before each new staged write.
func (e *etcdStore) sweepStages(ctx context.Context, now time.Time) {
	e.mu.Lock()
	var stale []string
	for id := range e.stages {
		at, _, ok := strings.Cut(id, "-")
		var sec int64
		if _, err := fmt.Sscanf(at, "%d", &sec); !ok || err != nil || id == e.pending {
			continue
		}
		if now.Sub(time.Unix(sec, 0)) > staleStage {
			stale = append(stale, id)
		}
	}
	e.mu.Unlock()
	for _, id := range stale {
		// a commit record makes them live: only an id without one goes
		_ = e.call(ctx, func(ctx context.Context) error {
			_, err := e.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(e.commitKey(id)), "=", 0)).
				Then(clientv3.OpDelete(e.prefix+"stage/"+id+"/", clientv3.WithPrefix())).Commit()
			return err
		}) // best effort: the next staged write tries again
	}
}

// list returns the recorded writes in a fixed order: bucket drops, then
// sequences (key nil), then records.
func (r *recorder) list() []op {
	var out []op
	for _, d := range r.drops {
		out = append(out, op{bucket: d, drop: true})
	}
	names := make([]string, 0, len(r.seqs))
	for n := range r.seqs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, op{bucket: n, val: binary.BigEndian.AppendUint64(nil, r.seqs[n])})
	}
	keys := make([]string, 0, len(r.ops))
	for k := range r.ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, r.ops[k])
	}
	return out
}

// Chunk encoding: per op a kind byte (p put, d delete, x drop, s
// sequence), then bucket, key and value, each with a uvarint length.
func encodeChunks(ops []op) [][]byte {
	var out [][]byte
	var cur []byte
	for _, o := range ops {
		kind := byte('p')
		switch {
		case o.drop:
			kind = 'x'
		case o.key == nil:
			kind = 's'
		case o.del:
			kind = 'd'
		}
		n := 1 + 3*binary.MaxVarintLen64 + len(o.bucket) + len(o.key) + len(o.val)
		if len(cur) > 0 && len(cur)+n > etcdChunk {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, kind)
		for _, f := range [][]byte{[]byte(o.bucket), o.key, o.val} {
			cur = binary.AppendUvarint(cur, uint64(len(f)))
			cur = append(cur, f...)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func decodeOps(b []byte) ([]op, error) {
	var out []op
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		kind, _ := r.ReadByte()
		var f [3][]byte
		for i := range f {
			n, err := binary.ReadUvarint(r)
			if err != nil || n > uint64(r.Len()) {
				return nil, errors.New("a damaged chunk")
			}
			f[i] = make([]byte, n)
			_, _ = r.Read(f[i]) // length checked above
		}
		o := op{bucket: string(f[0]), key: f[1], val: f[2]}
		switch kind {
		case 'x':
			o = op{bucket: o.bucket, drop: true}
		case 's':
			o.key = nil
		case 'd':
			o.del, o.val = true, nil
		case 'p':
			if o.key == nil {
				o.key = []byte{}
			}
		default:
			return nil, fmt.Errorf("a damaged chunk (kind %q)", kind)
		}
		out = append(out, o)
	}
	return out, nil
}

// EtcdEmpty says whether nothing is stored under the URL's prefix yet (the
// next open seeds it).
func EtcdEmpty(url string) (bool, error) {
	endpoints, prefix, err := ParseStoreURL(url)
	if err != nil {
		return false, err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return false, fmt.Errorf("cannot reach etcd at %s: %w", url, err)
	}
	defer func() { _ = cli.Close() }() // a read-only client: nothing to flush
	ctx, cancel := context.WithTimeout(context.Background(), etcdWait)
	defer cancel()
	resp, err := cli.Get(ctx, prefix+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return false, etcdError(url, err)
	}
	return resp.Count == 0, nil
}

// DemoStoreURL is the URL's prefix with "-demo" added: --demo never
// touches the real data on a cluster either.
func DemoStoreURL(url string) (string, error) {
	endpoints, prefix, err := ParseStoreURL(url)
	if err != nil {
		return "", err
	}
	hosts := make([]string, len(endpoints))
	for i, e := range endpoints {
		hosts[i] = strings.TrimPrefix(e, "http://")
	}
	return "etcd://" + strings.Join(hosts, ",") + "/" + prefix + "-demo", nil
}

// bMirror is the mirror file's own bucket (never one of the store's): the
// revision it holds and the state of a large write in progress, so the
// next process resumes from there instead of reading the whole prefix.
var bMirror = []byte("_mirror")

var (
	keyMirrorRev      = []byte("rev")
	keyMirrorGuard    = []byte("guard")
	keyMirrorPending  = []byte("pending")
	keyMirrorIgnoring = []byte("ignoring")
)

// The mirror keeps the ids of the last writesKept writes it applied, in
// bWrites (sequence → revision and id), and in bMirror the revision from
// which it holds every one (keyMirrorWritesFrom): writes above it are all
// there, so an id that is missing and based at or above it did not land.
var (
	bWrites             = []byte("_writes")
	keyMirrorWritesFrom = []byte("writes_from")
)

// writesKept bounds the write ids a mirror remembers (etcdStore.kept;
// tests lower it).
const writesKept = 4096

// recordWrite remembers, in a mirror transaction, the write id of the
// guard record written at rev, and forgets the oldest beyond e.kept.
func (e *etcdStore) recordWrite(tx *bolt.Tx, id string, rev int64) error {
	b, m := tx.Bucket(bWrites), tx.Bucket(bMirror)
	if b == nil || m == nil || id == "" {
		return nil
	}
	kept := e.kept.Load()
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	if err := b.Put(itob(n), append(itob(uint64(rev)), id...)); err != nil {
		return err
	}
	if n <= kept {
		return nil
	}
	old := itob(n - kept)
	if v := b.Get(old); len(v) >= 8 {
		if err := b.Delete(old); err != nil {
			return err
		}
		return raiseWritesFrom(tx, int64(btoi(v[:8])))
	}
	return nil
}

// raiseWritesFrom moves up the revision above which the mirror holds
// every write id.
func raiseWritesFrom(tx *bolt.Tx, rev int64) error {
	m := tx.Bucket(bMirror)
	if int64(btoi(m.Get(keyMirrorWritesFrom))) >= rev {
		return nil
	}
	return m.Put(keyMirrorWritesFrom, itob(uint64(rev)))
}

// openMirror opens the cached mirror of this cluster and prefix under the
// user's cache directory, or a temporary one when another gatehouse on
// this machine holds the cache (bbolt's lock) or there is no cache
// directory. The cluster's id is in the name: a cluster made anew on the
// same ports never resumes an old cache.
func openMirror(cluster uint64, endpoints []string, prefix string) (*bolt.DB, string, bool, error) {
	opts := &bolt.Options{Timeout: 100 * time.Millisecond, NoSync: true, NoFreelistSync: true,
		FreelistType: bolt.FreelistMapType, InitialMmapSize: 64 << 20}
	if dir, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(dir, "gatehouse")
		h := sha256.Sum256([]byte(fmt.Sprintf("%x|%s|%s", cluster, strings.Join(endpoints, ","), prefix)))
		path := filepath.Join(dir, "etcd-"+hex.EncodeToString(h[:8])+".db")
		if os.MkdirAll(dir, 0o700) == nil {
			b, err := bolt.Open(path, 0o600, opts)
			if err == nil {
				return b, path, false, nil
			}
			if !errors.Is(err, berrors.ErrTimeout) {
				_ = os.Remove(path) // a damaged cache: made again from the cluster
				if b, err := bolt.Open(path, 0o600, opts); err == nil {
					return b, path, false, nil
				}
			}
		}
	}
	f, err := os.CreateTemp("", "gatehouse-etcd-mirror-*.db")
	if err != nil {
		return nil, "", false, fmt.Errorf("cannot create the local mirror: %w", err)
	}
	_ = f.Close() // bbolt opens it again by name
	b, err := bolt.Open(f.Name(), 0o600, opts)
	if err != nil {
		_ = os.Remove(f.Name())
		return nil, "", false, fmt.Errorf("cannot open the local mirror: %w", err)
	}
	return b, f.Name(), true, nil
}

// resume returns the revision a cached mirror holds, with its state, or 0
// when it must be loaded afresh (empty, or ahead of the cluster).
func (e *etcdStore) resume(current int64) int64 {
	var rev int64
	_ = e.db.bolt.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMirror)
		rev = int64(btoi(m.Get(keyMirrorRev)))
		e.guardRev = int64(btoi(m.Get(keyMirrorGuard)))
		e.pending = string(m.Get(keyMirrorPending))
		e.ignoring = string(m.Get(keyMirrorIgnoring))
		return nil
	})
	if rev <= 0 || rev > current {
		return 0
	}
	e.rev = rev
	return rev
}

// saveState records the mirror's revision and state in its transaction.
func (e *etcdStore) saveState(tx *bolt.Tx, rev int64) error {
	e.mu.Lock()
	guard, pending, ignoring := e.guardRev, e.pending, e.ignoring
	e.mu.Unlock()
	m := tx.Bucket(bMirror)
	for k, v := range map[string][]byte{string(keyMirrorRev): itob(uint64(rev)), string(keyMirrorGuard): itob(uint64(guard)),
		string(keyMirrorPending): []byte(pending), string(keyMirrorIgnoring): []byte(ignoring)} {
		if err := m.Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// catchUp waits until a resumed mirror holds the cluster's revision at
// open, asking the watch for progress reports (its last event in this
// prefix may be older than that revision).
func (e *etcdStore) catchUp(rev int64) error {
	deadline := time.Now().Add(etcdWait)
	for {
		e.mu.Lock()
		got, fatal := e.rev, e.fatal
		e.mu.Unlock()
		if fatal != nil {
			return fatal
		}
		if got >= rev {
			return nil
		}
		if time.Now().After(deadline) {
			return domain.Errorf(domain.EInternal, "this gatehouse's copy of %s did not catch up in %s", e.db.path, etcdWait)
		}
		// the watch's stream is chosen by its context's metadata: ask on
		// the same one (best effort: events arrive anyway)
		_ = e.cli.RequestProgress(clientv3.WithRequireLeader(e.ctx))
		time.Sleep(20 * time.Millisecond)
	}
}

// coarse keeps one change per entity and action, without ids.
func coarse(cs []domain.Change) []domain.Change {
	seen := map[[2]string]bool{}
	var out []domain.Change
	for _, c := range cs {
		k := [2]string{c.Entity, c.Action}
		if !seen[k] {
			seen[k] = true
			out = append(out, domain.Change{Entity: c.Entity, Action: c.Action, Actor: c.Actor})
		}
	}
	return out
}
