package store_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// wantRefused asserts an authentication error's reason, and that the user
// comes back exactly when the identity was proven.
func wantRefused(t *testing.T, what string, u domain.User, err, reason error) {
	t.Helper()
	if !errors.Is(err, reason) {
		t.Errorf("%s: got %v, want %v", what, err, reason)
		return
	}
	var r *domain.LoginRefused
	if !errors.As(err, &r) || r.Detail == "" {
		t.Errorf("%s: %v is not a *domain.LoginRefused with a detail", what, err)
	}
	if proven := domain.IdentityProven(err); proven != (u.ID != 0) {
		t.Errorf("%s: identity proven %v but user %+v", what, proven, u)
	}
}

// Every branch of the password login, in the order a login meets them.
func TestAuthenticatePasswordBranches(t *testing.T) {
	d := newDistrict(t)
	db, a := d.db, d.admin

	u, err := db.AuthenticatePassword("nobody", "whatever-1")
	wantRefused(t, "unknown user", u, err, domain.ErrUnknownUser)
	u, err = db.AuthenticatePassword("staff", "whatever-1")
	wantRefused(t, "no password", u, err, domain.ErrNoPassword)

	must(t, a.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	u, err = db.AuthenticatePassword("staff", "Temp-Pass-2")
	wantRefused(t, "wrong password", u, err, domain.ErrWrongPassword)
	u, err = db.AuthenticatePassword("STAFF", "Temp-Pass-1")
	wantRefused(t, "temporary password", u, err, domain.ErrMustChangePassword)
	if u.Username != "staff" || !u.MustChange {
		t.Errorf("temporary password: user %+v", u)
	}

	u, err = db.ChangePassword(t.Context(), "staff", "Temp-Pass-1", "Chosen-Pass-1")
	if err != nil || u.MustChange {
		t.Fatalf("change: %v %+v", err, u)
	}
	if u, err = db.AuthenticatePassword("staff", "Chosen-Pass-1"); err != nil || u.Username != "staff" {
		t.Fatalf("chosen password: %v %+v", err, u)
	}
	u, err = db.AuthenticatePassword("staff", "Temp-Pass-1")
	wantRefused(t, "old temporary password", u, err, domain.ErrWrongPassword)

	_, err = a.RevokeGroup(t.Context(), "Users", grant(t, "remote.ssh"))
	must(t, err)
	u, err = db.AuthenticatePassword("staff", "Chosen-Pass-1")
	wantRefused(t, "no Remote Access", u, err, domain.ErrNoRemoteAccess)
	_, err = a.Leave(t.Context(), "staff", "Users", false)
	must(t, err)
	u, err = db.AuthenticatePassword("staff", "Chosen-Pass-1")
	wantRefused(t, "R2 inactive", u, err, domain.ErrInactive)
	_, err = a.Deactivate(t.Context(), "staff", false)
	must(t, err)
	u, err = db.AuthenticatePassword("staff", "Chosen-Pass-1")
	wantRefused(t, "deactivated", u, err, domain.ErrDeactivated)
	// a wrong password tells nothing about the account's state
	u, err = db.AuthenticatePassword("staff", "Chosen-Pass-2")
	wantRefused(t, "deactivated, wrong password", u, err, domain.ErrWrongPassword)
}

func TestAuthenticateKeyBranches(t *testing.T) {
	d := newDistrict(t)
	db, a := d.db, d.admin
	must(t, a.AddKey(t.Context(), "tech", domain.SSHKey{Fingerprint: "SHA256:tech", Key: "ssh-ed25519 AAAA tech"}))
	must(t, a.SetPassword(t.Context(), "tech", "Temp-Pass-1"))

	u, err := db.AuthenticateKey("tech", "SHA256:nobody")
	wantRefused(t, "unknown key", u, err, domain.ErrUnknownKey)
	u, err = db.AuthenticateKey("staff", "SHA256:tech")
	wantRefused(t, "another user's key", u, err, domain.ErrUnknownKey)
	// a key login does not use the temporary password
	if u, err = db.AuthenticateKey("TECH", "SHA256:tech"); err != nil || u.Username != "tech" {
		t.Fatalf("tech's key: %v %+v", err, u)
	}
	_, err = a.Deactivate(t.Context(), "tech", false)
	must(t, err)
	u, err = db.AuthenticateKey("tech", "SHA256:tech")
	wantRefused(t, "deactivated", u, err, domain.ErrDeactivated)
}

// One's own password needs Edit Own User Account unless it is temporary;
// someone else's needs the rights to change them and leaves it temporary.
func TestR12_SetPasswordRules(t *testing.T) {
	d := newDistrict(t)
	db, a := d.db, d.admin
	staff, principal := as(t, db, "staff"), as(t, db, "principal")

	must(t, staff.SetPassword(t.Context(), "staff", "Own-Pass-1"))
	if _, err := db.AuthenticatePassword("staff", "Own-Pass-1"); err != nil {
		t.Fatalf("own password: %v", err)
	}
	mustCode(t, staff.SetPassword(t.Context(), "tech", "Their-Pass-1"), domain.EForbidden)
	mustCode(t, principal.SetPassword(t.Context(), "staff", "Their-Pass-1"), domain.EForbidden)
	mustCode(t, a.SetPassword(t.Context(), "nobody", "Their-Pass-1"), domain.ENotFound)

	_, err := a.RevokeGroup(t.Context(), "Users", grant(t, "account.edit-own"))
	must(t, err)
	mustCode(t, staff.SetPassword(t.Context(), "staff", "Own-Pass-2"), domain.EForbidden)
	must(t, a.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	must(t, staff.SetPassword(t.Context(), "staff", "Own-Pass-3")) // the flag demands the change
	u, err2 := db.AuthenticatePassword("staff", "Own-Pass-3")
	if err2 != nil || u.MustChange {
		t.Fatalf("after the change: %v %+v", err2, u)
	}

	for _, bad := range []string{"short", strings.Repeat("x", 257), "line\nbreak-1", "\xff\xfe-invalid"} {
		mustCode(t, a.SetPassword(t.Context(), "staff", bad), domain.EInvalid)
	}
	evs, err := a.Audit(t.Context(), domain.AuditQuery{Entity: "user"})
	must(t, err)
	n := 0
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "password") {
			n++
			if strings.Contains(ev.Before+ev.After, "$argon2id$") {
				t.Errorf("the audit trail carries a hash: %+v", ev)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d password events, want 3", n)
	}
}

// Fields saved by other commands keep the hash and the must-change flag.
func TestEditsKeepPasswordAndFlag(t *testing.T) {
	d := newDistrict(t)
	db, a := d.db, d.admin
	must(t, a.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	ui, err := a.User(t.Context(), "staff")
	must(t, err)
	ui.User.First, ui.User.MustChange = "Samantha", false
	_, err = a.UpdateUser(t.Context(), ui.User.ID, wholeUser(ui.User))
	must(t, err)
	must(t, a.AddKey(t.Context(), "staff", domain.SSHKey{Fingerprint: "SHA256:staff", Key: "ssh-ed25519 AAAA staff"}))
	must(t, a.Join(t.Context(), "staff", "Technicians", epoch.AddDate(0, 1, 0), "cover"))
	u, err := db.AuthenticatePassword("staff", "Temp-Pass-1")
	wantRefused(t, "after edits", u, err, domain.ErrMustChangePassword)
	if u.First != "Samantha" {
		t.Errorf("edit lost: %+v", u)
	}
}

func TestChangePasswordNeedsTheCurrentOne(t *testing.T) {
	d := newDistrict(t)
	db := d.db
	must(t, d.admin.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	u, err := db.ChangePassword(t.Context(), "staff", "Temp-Pass-2", "Chosen-Pass-1")
	wantRefused(t, "wrong current", u, err, domain.ErrWrongPassword)
	_, err = db.ChangePassword(t.Context(), "staff", "Temp-Pass-1", "Temp-Pass-1")
	mustCode(t, err, domain.EInvalid)
	_, err = db.ChangePassword(t.Context(), "staff", "Temp-Pass-1", "short")
	mustCode(t, err, domain.EInvalid)
	_, err = d.admin.Deactivate(t.Context(), "staff", false)
	must(t, err)
	u, err = db.ChangePassword(t.Context(), "staff", "Temp-Pass-1", "Chosen-Pass-1")
	wantRefused(t, "deactivated", u, err, domain.ErrDeactivated)
}

// The user list a manager exports never carries hashes; only the
// superuser's full export does, for a faithful restore.
func TestCSVExportHasNoHashes(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.SetPassword(t.Context(), "staff", "Temp-Pass-1"))
	var csv, full bytes.Buffer
	must(t, d.admin.Export(t.Context(), &csv, "csv"))
	must(t, d.admin.Export(t.Context(), &full, "json"))
	if strings.Contains(csv.String(), "$argon2id$") || !strings.Contains(full.String(), `"password_hash":"$argon2id$`) {
		t.Errorf("csv has a hash or json lacks it:\n%s", csv.String())
	}
}

// A user created with a first password can log in with it, and must
// change it (it was set by someone else); the creation and the password
// are one audited write.
func TestCreateUserWithPasswordIsOneWrite(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	u, err := d.admin.CreateUserWithPassword(ctx, domain.User{Username: "newbie"}, "correct horse battery")
	must(t, err)
	must(t, d.admin.Join(ctx, "newbie", "Users", time.Time{}, ""))
	if _, err := d.db.AuthenticatePassword("newbie", "correct horse battery"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("first login: %v, want the must-change answer", err)
	}
	_, err = d.admin.CreateUserWithPassword(ctx, domain.User{Username: "short"}, "abc")
	mustCode(t, err, domain.EInvalid)
	if _, err := d.admin.User(ctx, "short"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("a refused password still created the user: %v", err)
	}
	// one's own password changes only with the current one
	own := as(t, d.db, "newbie")
	if err := own.ChangeOwnPassword(ctx, "wrong guess!!", "a brand new secret"); !errors.Is(err, domain.ErrWrongPassword) {
		t.Fatalf("a wrong current password: %v", err)
	}
	must(t, own.ChangeOwnPassword(ctx, "correct horse battery", "a brand new secret"))
	if _, err := d.db.AuthenticatePassword("newbie", "a brand new secret"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	_ = u
}
