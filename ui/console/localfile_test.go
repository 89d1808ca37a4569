package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"gatehouse/domain"
)

// Over SSH the console runs in the server: a typed path would reach the
// server's files, so attaching one is refused, the typed path stays, and
// nothing is stored.
func TestRemoteSessionReadsNoFiles(t *testing.T) {
	db := openTicketStore(t)
	secret := filepath.Join(t.TempDir(), "server-secret.txt")
	must(t, os.WriteFile(secret, []byte("only the server may read this"), 0o600))
	m := New(Config{Service: session(t, db, "alice"), Feed: db, Now: fixedNow, NoColor: true, Remote: true})
	tm := teatest.NewTestModel(t, &probe{m: m}, teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	d := &driver{t: t, tm: tm}
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	d.openTab("T-000001", "Attachments")
	d.keys("a", secret, "enter")
	d.waitFor("files are not read or written over SSH")
	d.waitFor("server-secret.txt") // the typed path is still in the form
	list, err := session(t, db, "alice").Attachments(t.Context(), 1)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("a server file was attached: %+v", list)
	}
}

// Every start screen the store accepts is a screen of the console.
func TestStartScreensAreScreens(t *testing.T) {
	for _, id := range domain.StartScreens {
		if _, ok := screenByID(id); !ok {
			t.Errorf("start screen %q is not a console screen", id)
		}
	}
}

// The queue's help offers only the keys whose privilege the user holds.
func TestTicketsHelpOffersOnlyWhatTheUserMay(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40) // a technician: no Assign New Problem to Tech
	d.keys("2")
	s := d.waitFor("Tickets 1–")
	if strings.Contains(s, "a assign") || !strings.Contains(s, "c close") {
		t.Fatalf("help bar for alice:\n%s", lineWith(s, "enter open"))
	}
}

// The full help overlay is the Help privilege (the console enforces it:
// store.TestGate_EveryCatalogEntry points here): without it neither ? nor
// the palette's "help (all keys)" opens it and ? says why; with it both do.
func TestHelpOverlayNeedsHelp(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.RevokeGroup(t.Context(), "Users", grantOf(t, "help"))
	must(t, err)
	_, err = admin.RevokeGroup(t.Context(), "Technical Coordinator", grantOf(t, "help"))
	must(t, err)
	d := start(t, db, "carol", 120, 40) // Technical Coordinator (and Users)
	d.keys("?")
	d.waitFor("carol lacks Help (help)")
	d.keys(":", "help")
	if s := d.screen(); strings.Contains(s, "help (all keys)") {
		t.Fatalf("the palette offers the full help to carol without Help:\n%s", s)
	}
	d.keys("enter")
	if s := d.screen(); strings.Contains(s, "any key closes help") {
		t.Fatalf("the palette opened the full help without Help:\n%s", s)
	}

	_, err = admin.GrantGroup(t.Context(), "Technical Coordinator", grantOf(t, "help"), false)
	must(t, err)
	d = start(t, db, "carol", 120, 40)
	d.keys("?")
	d.waitFor("any key closes help")
	d.keys("esc", ":", "help (all")
	d.waitFor("help (all keys)")
	d.keys("enter")
	d.waitFor("any key closes help")
}

func grantOf(t *testing.T, id string) []domain.Grant {
	t.Helper()
	g, err := domain.ParseGrant(id)
	must(t, err)
	return []domain.Grant{g}
}
