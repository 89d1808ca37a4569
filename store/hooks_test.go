package store

// Hooks at points of a write that no API reaches, for the tests of
// store_test (writeHooks; test builds only). Set them before the write
// and clear them (nil) after it.

// OnBeforeCommit runs fn after a write's function ran, right before its
// commit (bbolt) or its guarded Txn (etcd) and the last look at its context.
func OnBeforeCommit(db *DB, fn func()) { db.hooks.beforeCommit = fn }

// OnBeforeSend runs fn right before an etcd write's guarded Txn (a large
// write's commit record) and the look at its context that precedes it.
func OnBeforeSend(db *DB, fn func()) { db.hooks.beforeSend = fn }

// OnAfterSend replaces the error of an etcd write's guarded Txn with
// fn's: a test can lose the answer of a Txn that applied.
func OnAfterSend(db *DB, fn func(error) error) { db.hooks.afterSend = fn }

// KeepWriteIDs sets how many write ids an etcd mirror remembers.
func KeepWriteIDs(db *DB, n uint64) { db.remote.kept.Store(n) }
