package store

import (
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// UserByName finds a user by username (case-insensitive) with the stored
// password hash, for the SSH server's password authentication; like
// UserByKey it grants nothing by itself.
func (db *DB) UserByName(username string) (domain.User, error) {
	var u domain.User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		u, err = userByName(tx, username)
		return err
	})
	return u, err
}

// RecordLogin writes one audit event for an SSH login or a refused one, in
// its own transaction. It bypasses the session's login check on purpose: a
// deactivated or inactive user cannot act, yet their refused attempt must
// still leave a trace. An unknown username is recorded as such. No change
// event is published: with many sessions every login would reload every
// open screen; the audit screen shows logins when it next loads.
func (db *DB) RecordLogin(username, addr string, ok bool, reason string) error {
	action, after := "login", "ssh from "+addr
	if !ok {
		action = "login refused"
		after = strings.TrimSpace("ssh from " + addr + ": " + reason)
	}
	return db.recordSession(username, action, after)
}

// RecordLogout writes one audit event when an SSH session ends, saying why
// (quit, idle timeout, disconnect, shutdown, access revoked).
func (db *DB) RecordLogout(username, addr, reason string) error {
	return db.recordSession(username, "logout", strings.TrimSpace("ssh from "+addr+": "+reason))
}

func (db *DB) recordSession(username, action, after string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		u, err := userByName(tx, username)
		if err != nil {
			u = domain.User{Username: username}
		}
		seq, err := tx.Bucket(bAudit).NextSequence()
		if err != nil {
			return err
		}
		ev := domain.AuditEvent{ID: seq, At: db.now(), Actor: u.ID, ActorName: u.Username,
			Entity: "session", EntityID: u.ID, Name: u.Username, Action: action, After: after}
		return tx.Bucket(bAudit).Put(itob(seq), encAudit(&ev))
	})
}
