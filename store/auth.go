package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// userRecord is a user as stored: domain.User and, beside it, the password
// hash, which stays in the store and never travels on a domain.User. The
// JSON is flat, so the record keeps its "password_hash" field as before,
// and the JSON export (superuser only) carries it for a faithful restore.
type userRecord struct {
	domain.User
	PasswordHash string `json:"password_hash,omitempty"`
}

// storedHash is the password hash stored on user id, or "". Records
// without one (most users log in with keys) are not decoded.
func storedHash(tx *bolt.Tx, id domain.ID) string {
	v := tx.Bucket(bUsers).Get(itob(id))
	if !bytes.Contains(v, []byte(`"password_hash"`)) {
		return ""
	}
	var h struct {
		PasswordHash string `json:"password_hash"`
	}
	if decJSON(v, &h) != nil {
		return ""
	}
	return h.PasswordHash
}

// credentials reads, in one transaction, what a login is decided on: the
// user, their stored hash and their access now.
func (db *DB) credentials(username string) (domain.User, string, domain.Access, error) {
	var u domain.User
	var hash string
	var a domain.Access
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		if u, err = userByName(tx, username); err != nil {
			return err
		}
		hash = storedHash(tx, u.ID)
		now := db.now()
		a = domain.Resolve(loadSubject(tx, u, now), now)
		return nil
	})
	return u, hash, a, err
}

func refused(reason error, format string, args ...any) error {
	return &domain.LoginRefused{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// loginAllowed applies the rules for someone whose identity is proven: not
// deactivated, in a group (R2), holding Remote Access, and, for a password
// login, not holding a temporary password.
func loginAllowed(u *domain.User, a *domain.Access, byPassword bool) error {
	switch {
	case a.Deactivated:
		return refused(domain.ErrDeactivated, "%s is deactivated", u.Username)
	case !a.HasGroup:
		return refused(domain.ErrInactive, "%s is inactive: no group (R2)", u.Username)
	case !a.Has(domain.RemoteSSH):
		return refused(domain.ErrNoRemoteAccess, "%s lacks Remote Access (remote.ssh)", u.Username)
	case byPassword && u.MustChange:
		return refused(domain.ErrMustChangePassword, "%s must change their temporary password before logging in with it", u.Username)
	}
	return nil
}

// AuthenticatePassword is the one place a password login is decided. It
// returns the user with nil when they may log in; otherwise a
// *domain.LoginRefused whose Reason is ErrUnknownUser, ErrNoPassword,
// ErrUnusableHash or ErrWrongPassword (identity not proven: the user is
// zero), or ErrDeactivated, ErrInactive, ErrNoRemoteAccess or
// ErrMustChangePassword (the password was right: the user is returned, so
// the refusal can be explained to them). Unknown users and users without a
// password cost the same hashing as a wrong password. The hashing happens
// outside any transaction.
func (db *DB) AuthenticatePassword(username, password string) (domain.User, error) {
	u, _, err := db.authPassword(username, password)
	return u, err
}

// authPassword is AuthenticatePassword, also returning the hash verified.
func (db *DB) authPassword(username, password string) (domain.User, string, error) {
	u, hash, a, err := db.credentials(username)
	var fail error
	switch {
	case err != nil && domain.ErrorCode(err) == domain.ENotFound:
		fail = refused(domain.ErrUnknownUser, "unknown user %q", username)
	case err != nil:
		return domain.User{}, "", err
	case hash == "":
		fail = refused(domain.ErrNoPassword, "%s has no password: they log in with an SSH key", u.Username)
	default:
		if herr := checkHash(hash); herr != nil {
			fail = refused(domain.ErrUnusableHash, "%s's stored password hash is unusable: %v", u.Username, herr)
		}
	}
	if fail != nil {
		// the same work as a real check; the dummy hash always parses
		_, _ = VerifyPassword(dummyHash(), password)
		return domain.User{}, "", fail
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return domain.User{}, "", refused(domain.ErrUnusableHash, "%s's stored password hash is unusable: %v", u.Username, err)
	}
	if !ok {
		return domain.User{}, "", refused(domain.ErrWrongPassword, "wrong password for %s", u.Username)
	}
	return u, hash, loginAllowed(&u, &a, true)
}

// AuthenticateKey is the one place a public-key login is decided: the key
// (by its SHA256 fingerprint) must be registered to the user named in the
// login, so an agent offering several people's keys never logs in as the
// wrong one. Errors are as AuthenticatePassword's: ErrUnknownKey with a
// zero user, or a refusal for a known user (never ErrMustChangePassword:
// a key login does not use the temporary password).
func (db *DB) AuthenticateKey(username, fingerprint string) (domain.User, error) {
	var u domain.User
	var a domain.Access
	err := db.bolt.View(func(tx *bolt.Tx) error {
		id := btoi(tx.Bucket(bUserKey).Get([]byte(fingerprint)))
		if id == 0 {
			return refused(domain.ErrUnknownKey, "key %s is not registered", fingerprint)
		}
		var err error
		if u, err = getUser(tx, id); err != nil {
			return err
		}
		if !strings.EqualFold(u.Username, username) {
			return refused(domain.ErrUnknownKey, "key %s is not registered to %s", fingerprint, username)
		}
		now := db.now()
		a = domain.Resolve(loadSubject(tx, u, now), now)
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	return u, loginAllowed(&u, &a, false)
}

// ChangePassword replaces a user's password on proof of the current one:
// the first-login change of a temporary password (the SSH server's
// keyboard-interactive prompt). It needs no privilege beyond that proof and
// the login rules, clears the must-change flag, and returns what
// AuthenticatePassword would now return for the new password. The new one
// must differ from the current one. A cancelled ctx (the SSH client went
// away) writes nothing.
func (db *DB) ChangePassword(ctx context.Context, username, current, next string) (domain.User, error) {
	if err := ctx.Err(); err != nil {
		return domain.User{}, err // before two password hashes
	}
	if err := validatePassword(next); err != nil {
		return domain.User{}, err
	}
	if next == current {
		return domain.User{}, domain.Errorf(domain.EInvalid, "password: the new password must differ from the current one")
	}
	u, oldHash, err := db.authPassword(username, current)
	if err != nil && !errors.Is(err, domain.ErrMustChangePassword) {
		return u, err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return domain.User{}, err
	}
	s := &session{db: db, actor: u.ID}
	err = s.write(ctx, func(w *txn) error {
		// an administrator's reset between the check and this write wins
		if storedHash(w.tx, u.ID) != oldHash {
			return domain.Errorf(domain.EConflict, "%s's password changed meanwhile: log in again", u.Username)
		}
		return w.storePassword(&w.actor, hash, false, "password change", "changed at login")
	})
	if err != nil {
		return domain.User{}, err
	}
	u.MustChange = false
	return u, nil
}

// ChangeOwnPassword is ChangePassword for the acting user of a session:
// the console's own-password form proves the current password first, as
// a login would.
func (s *session) ChangeOwnPassword(ctx context.Context, current, next string) error {
	if err := s.refuseWrite(); err != nil {
		return err
	}
	var name string
	if err := s.read(func(r *txn) error { name = r.actor.Username; return nil }); err != nil {
		return err
	}
	_, err := s.db.ChangePassword(ctx, name, current, next)
	return err
}

// SetPassword implements domain.Service: one's own password needs Edit Own
// User Account (or a must-change flag, which demands the change) and
// clears the flag; anyone else's needs the rights to change that user
// (domain.CheckManageUser: Manage Users, Manage Technicians for
// technicians, a superuser for a superuser) and sets the flag, so the
// owner replaces it at their next password login. The hash is made before
// the transaction.
func (s *session) SetPassword(ctx context.Context, username, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.write(ctx, func(w *txn) error {
		u, err := userByName(w.tx, username)
		if err != nil {
			return err
		}
		if err := w.expect("user", u.Username, u.Rev); err != nil {
			return err
		}
		if u.ID == w.actor.ID {
			if !u.MustChange && !w.acc.Has(domain.AccountEditOwn) {
				return w.acc.Require(domain.AccountEditOwn)
			}
			return w.storePassword(&u, hash, false, "password change", "")
		}
		target := w.accessOf(u)
		if err := domain.CheckManageUser(&w.acc, &target); err != nil {
			return err
		}
		if err := w.checkWithin(u, "set the password of "+u.Username, false); err != nil {
			return err
		}
		return w.storePassword(&u, hash, true, "password set", "to change at the next password login")
	})
}

// storePassword writes u's record with a new hash and must-change flag and
// audits it; the audit trail never carries the hash.
func (w *txn) storePassword(u *domain.User, hash string, mustChange bool, action, after string) error {
	before := *u
	u.MustChange = mustChange
	// the password is a field of its own (never shown): it always changes
	bf := append(domain.UserFields(&before, w.names), domain.Field{Key: "password", Label: "Password"})
	af := append(domain.UserFields(u, w.names), domain.Field{Key: "password", Label: "Password", Value: "changed"})
	if _, err := w.revise("user", u.Username, u.ID, &u.Rev, 0, bf, af); err != nil {
		return err
	}
	if err := putJSON(w.tx, bUsers, u.ID, userRecord{User: *u, PasswordHash: hash}); err != nil {
		return err
	}
	return w.audit("user", u.ID, u.Username, action, "", after)
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

// recordSession takes no context on purpose: the trace of a login, a
// refusal or a logout must outlive the connection it records (a client
// that disconnects at once, or the disconnect itself); each etcd request
// is still bounded by etcdWait.
func (db *DB) recordSession(username, action, after string) error {
	return db.update(context.Background(), func(tx *bolt.Tx) ([]domain.Change, error) {
		u, err := userByName(tx, username)
		if err != nil {
			u = domain.User{Username: username}
		}
		seq, err := kvSeq(tx.Bucket(bAudit))
		if err != nil {
			return nil, err
		}
		ev := domain.AuditEvent{ID: seq, At: db.now(), Actor: u.ID, ActorName: u.Username,
			Entity: "session", EntityID: u.ID, Name: u.Username, Action: action, After: after}
		return nil, kvPut(tx.Bucket(bAudit), itob(seq), encAudit(&ev))
	})
}
