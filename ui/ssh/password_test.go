package ssh

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"gatehouse/domain"
	"gatehouse/store"
)

// scripted answers keyboard-interactive prompts from a list of rounds and
// records the instructions it was shown.
type scripted struct {
	rounds       [][]string
	instructions []string
	prompts      [][]string
	// pause is how long the person takes over each round after the first
	pause time.Duration
}

func (s *scripted) auth() gossh.AuthMethod {
	return gossh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		if len(questions) == 0 {
			return nil, nil
		}
		s.instructions = append(s.instructions, instruction)
		s.prompts = append(s.prompts, questions)
		if slices.Contains(echos, true) {
			return nil, errors.New("a password prompt echoes")
		}
		if len(s.rounds) == 0 {
			return nil, errors.New("no more answers")
		}
		a := s.rounds[0]
		s.rounds = s.rounds[1:]
		if len(s.prompts) > 1 {
			time.Sleep(s.pause)
		}
		return a, nil
	})
}

// temporaryPasswordServer serves a store where pam, a Building
// Administrator, has the temporary password Temp-Pass-1 set by the owner.
func temporaryPasswordServer(t *testing.T) *fixture {
	t.Helper()
	return temporaryPasswordServerWith(t, Config{PasswordAuth: true})
}

func temporaryPasswordServerWith(t *testing.T, cfg Config) *fixture {
	t.Helper()
	db, owner := newStore(t)
	must(owner.CreateUser(t.Context(), domain.User{Username: "pam", StartScreen: "home"}))
	if err := owner.Join(t.Context(), "pam", "Building Administrator", time.Time{}, "test"); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetPassword(t.Context(), "pam", "Temp-Pass-1"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, owner: owner, logs: &syncBuffer{}}
	f.start(cfg)
	return f
}

// A user with a temporary password (set by the owner) must choose a new
// one at the first password login: the password method is refused with an
// explanation, keyboard-interactive asks for the new password twice,
// rejects a mismatch and a too-short one, then logs in; afterwards the
// temporary password is gone and the new one needs one prompt.
func TestMustChangePasswordAtFirstLogin(t *testing.T) {
	f := temporaryPasswordServer(t)
	db, owner := f.db, f.owner
	addr := f.srv.Addr().String()

	c := must(dialAddr(t, addr, "pam", gossh.Password("Temp-Pass-1")))
	out := c.waitEnd(wait)
	if !strings.Contains(out, "password is temporary") || !strings.Contains(out, "keyboard-interactive") {
		t.Fatalf("password method with a temporary password: %q", out)
	}
	if st := c.exitStatus(); st != 1 {
		t.Errorf("exit status %d, want 1", st)
	}

	ki := &scripted{rounds: [][]string{{"Temp-Pass-1"}, {"new-secret-1", "new-secret-2"}, {"short", "short"},
		{"new-secret-1", "new-secret-1"}}}
	c = must(dialAddr(t, addr, "pam", ki.auth()))
	c.waitText("Open tickets you can see", wait)
	if len(ki.prompts) != 4 || !slices.Equal(ki.prompts[0], []string{promptPassword}) ||
		!slices.Equal(ki.prompts[3], []string{promptNew, promptRetype}) {
		t.Fatalf("prompts %q", ki.prompts)
	}
	if !strings.Contains(ki.instructions[1], "temporary") || !strings.Contains(ki.instructions[2], "differ") ||
		!strings.Contains(ki.instructions[3], "at least 8 characters") {
		t.Errorf("instructions %q", ki.instructions)
	}
	if _, err := db.AuthenticatePassword("pam", "new-secret-1"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := dialAddr(t, addr, "pam", (&scripted{rounds: [][]string{{"Temp-Pass-1"}}}).auth()); err == nil {
		t.Error("the temporary password still works")
	}
	again := &scripted{rounds: [][]string{{"new-secret-1"}}}
	c = must(dialAddr(t, addr, "pam", again.auth()))
	c.waitText("Open tickets you can see", wait)
	if len(again.prompts) != 1 {
		t.Errorf("a changed password was asked %d rounds: %q", len(again.prompts), again.prompts)
	}
	evs := must(owner.Audit(t.Context(), domain.AuditQuery{Entity: "user"}))
	var actions []string
	for _, ev := range evs {
		if ev.Name == "pam" {
			actions = append(actions, ev.ActorName+" "+ev.Action)
		}
	}
	if !slices.Contains(actions, "owner password set") || !slices.Contains(actions, "pam password change") {
		t.Errorf("audit of pam's password: %q", actions)
	}
}

// Giving up at the new-password prompt logs nobody in and leaves the
// temporary password as it was.
func TestMustChangePasswordAbandoned(t *testing.T) {
	f := temporaryPasswordServer(t)
	db := f.db
	ki := &scripted{rounds: [][]string{{"Temp-Pass-1"}, {"a-new-one", "another"}, {"a-new-one", "another"}, {"x", "y"}}}
	if _, err := dialAddr(t, f.srv.Addr().String(), "pam", ki.auth()); err == nil {
		t.Fatal("logged in without choosing a new password")
	}
	if _, err := db.AuthenticatePassword("pam", "Temp-Pass-1"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Errorf("the temporary password after giving up: %v", err)
	}
}

// countingStore counts the password checks the server asks the store for:
// each one is a hash (argon2id, tens of megabytes).
type countingStore struct {
	*store.DB
	checks atomic.Int32
}

func (c *countingStore) AuthenticatePassword(username, password string) (domain.User, error) {
	c.checks.Add(1)
	return c.DB.AuthenticatePassword(username, password)
}

// A failed attempt is counted before its hash is computed: 19 wrong
// passwords sent at the same moment from one address get the free tries
// and the one that starts the back-off hashed, and the other 15 are
// backed off without a hash (on main all 19 were hashed: each checked the
// back-off before any failure was counted). The clients meet at a barrier
// just before they send the password; the back-off's clock stands still,
// so no wait runs out meanwhile.
func TestParallelWrongPasswordsAreCountedBeforeTheHash(t *testing.T) {
	for _, method := range []string{"password", "keyboard-interactive"} {
		t.Run(method, func(t *testing.T) {
			db, owner := newStore(t)
			withPassword(t, db, owner, "ada", "correct horse")
			counting := &countingStore{DB: db}
			f := &fixture{t: t, db: db, owner: owner, logs: &syncBuffer{}}
			clock := time.Unix(1_000_000, 0)
			// the startup limits would drop most of 19 connections from one
			// address: room for all of them, so the back-off alone is tested
			f.start(Config{Store: counting, PasswordAuth: true, Now: func() time.Time { return clock },
				MaxStartups: Startups{Start: 32, Rate: 100, Full: 32}, MaxStartupsPerAddress: 32})
			addr := f.srv.Addr().String()

			const tries = 19
			var arrived sync.WaitGroup
			arrived.Add(tries)
			release := make(chan struct{})
			// authMethod answers once per connection, after all have arrived
			authMethod := func() gossh.AuthMethod {
				var once sync.Once
				answer := func() string {
					once.Do(func() { arrived.Done(); <-release })
					return "wrong password"
				}
				if method == "password" {
					return gossh.PasswordCallback(func() (string, error) { return answer(), nil })
				}
				return gossh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
					if len(questions) == 0 {
						return nil, nil
					}
					return []string{answer()}, nil
				})
			}
			errs := make(chan error, tries)
			for range tries {
				go func() {
					_, err := dialAddr(t, addr, "ada", authMethod())
					errs <- err
				}()
			}
			all := make(chan struct{})
			go func() { arrived.Wait(); close(all) }()
			select {
			case <-all:
			case err := <-errs:
				t.Fatalf("a client failed before sending its password: %v", err)
			case <-time.After(60 * time.Second):
				t.Fatal("the clients never all reached the password prompt")
			}
			close(release)
			for range tries {
				if err := <-errs; err == nil {
					t.Fatal("a wrong password got in")
				}
			}
			if n := counting.checks.Load(); n != freeFailures+1 {
				t.Errorf("%d of %d parallel wrong passwords were hashed, want %d", n, tries, freeFailures+1)
			}
			if n := strings.Count(f.logs.String(), "reason=back-off"); n != tries-(freeFailures+1) {
				t.Errorf("%d backed off, want %d:\n%s", n, tries-(freeFailures+1), f.logs.String())
			}
		})
	}
}
