package ssh

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// Stay Logged On (session.stay) is the idle logout's gate, which the server
// enforces: bea, idle past the limit, is logged out without it and stays
// logged in once her group grants it. The store's catalog gate table
// (store.TestGate_EveryCatalogEntry) points here.
func TestGate_SessionStayKeepsAnIdleSessionOpen(t *testing.T) {
	const idle = 400 * time.Millisecond
	f := newFixture(t, Config{Idle: idle})
	bea := must(f.dial("bea", f.keys["bea"]))
	if out := bea.waitEnd(wait); !strings.Contains(out, "gatehouse: logged out after 400ms without input") {
		t.Fatalf("without session.stay bea's idle session said %q", out[max(0, len(out)-200):])
	}

	stay := must(domain.ParseGrant("session.stay"))
	must(f.owner.GrantGroup(t.Context(), "Group Viewers", []domain.Grant{stay}, true))
	bea = must(f.dial("bea", f.keys["bea"]))
	bea.waitText("Open tickets you can see", wait)
	select {
	case <-bea.done:
		t.Fatalf("with session.stay bea was logged out: %q", bea.Raw())
	case <-time.After(5 * idle):
	}
	bea.close()
}
