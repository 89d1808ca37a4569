package mail

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"gatehouse/domain"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Gate hands one raw message to the mail gateway; an error is temporary.
type Gate func(ctx context.Context, raw []byte) (domain.MailResult, error)

// IMAPReport says what one poll did.
type IMAPReport struct {
	Seen     int // unseen messages found
	Results  []domain.MailResult
	Deferred int // left unseen after a temporary failure, for the next poll
}

// PollIMAP reads the unseen messages of the configured mailbox, hands
// each to gate and marks it \Seen once the gateway has decided (accepted,
// dropped or refused: a refusal cannot bounce from a mailbox, so it is
// only audited). A temporary failure leaves the message unseen for the
// next poll. For sites without an MTA of their own, run from cron.
func PollIMAP(ctx context.Context, cfg domain.MailConfig, gate Gate) (IMAPReport, error) {
	var rep IMAPReport
	s := cfg.Settings
	if s.IMAPHost == "" {
		return rep, domain.Errorf(domain.EInvalid, "IMAP is not set up: gatehouse mail set --imap-host H --imap-user U --imap-password-file F")
	}
	addr := net.JoinHostPort(s.IMAPHost, strconv.Itoa(s.IMAPPortOrDefault()))
	opts := &imapclient.Options{Dialer: &net.Dialer{Timeout: Timeout}}
	var c *imapclient.Client
	var err error
	switch s.IMAPTLS {
	case domain.TLSNone:
		c, err = imapclient.DialInsecure(addr, opts)
	case domain.TLSStartTLS:
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialTLS(addr, opts)
	}
	if err != nil {
		return rep, fmt.Errorf("connecting to IMAP %s: %w", addr, err)
	}
	defer func() { _ = c.Close() }() // after Logout, or on the way out of a failure already reported
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := c.Login(s.IMAPUser, cfg.Secrets.IMAPPassword).Wait(); err != nil {
		return rep, fmt.Errorf("IMAP login as %s: %w", s.IMAPUser, err)
	}
	box := s.IMAPMailbox
	if box == "" {
		box = "INBOX"
	}
	if _, err := c.Select(box, nil).Wait(); err != nil {
		return rep, fmt.Errorf("IMAP mailbox %s: %w", box, err)
	}
	sd, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return rep, fmt.Errorf("IMAP search: %w", err)
	}
	uids := sd.AllUIDs()
	rep.Seen = len(uids)
	section := &imap.FetchItemBodySection{Peek: true}
	for _, uid := range uids {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		set := imap.UIDSetNum(uid)
		msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return rep, fmt.Errorf("IMAP fetch of message %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue
		}
		res, err := gate(ctx, msgs[0].FindBodySection(section))
		if err != nil {
			rep.Deferred++
			continue
		}
		rep.Results = append(rep.Results, res)
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return rep, fmt.Errorf("IMAP marking message %d seen: %w", uid, err)
		}
	}
	// the work is done and recorded: a LOGOUT that fails or hangs changes
	// nothing, so it gets a few seconds and its error is not reported
	done := make(chan struct{})
	go func() {
		_ = c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return rep, nil
}
