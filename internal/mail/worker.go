package mail

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gatehouse/domain"
)

// Queue is the outbox as the worker sees it (the store's *DB). DueMail
// reads, RecordDelivery writes one short transaction per result: no
// transaction is open while a message is on the wire.
type Queue interface {
	MailConfig() (domain.MailConfig, error)
	DueMail(ctx context.Context, limit int) ([]domain.Message, error)
	RecordDelivery(ctx context.Context, id domain.ID, r domain.DeliveryResult) (domain.Message, error)
}

// recordWait bounds recording one batch's results (record).
const recordWait = 30 * time.Second

// Sender delivers a batch; Send in production, a fake in tests.
type Sender func(ctx context.Context, cfg domain.MailConfig, msgs []domain.Message) []domain.DeliveryResult

// Batch is how many messages one SMTP connection carries.
const Batch = 50

// Report says what one drain did.
type Report struct {
	Sent, Failed, GaveUp int
	Configured           bool
}

func (r Report) String() string {
	if !r.Configured {
		return "mail is not set up (gatehouse mail set --host H --from ADDR): nothing sent"
	}
	return fmt.Sprintf("sent %d, failed %d (will retry), gave up %d", r.Sent, r.Failed, r.GaveUp)
}

// Drain delivers every due message once: it reads a batch, sends it with
// no transaction open, records each result in its own short write, and
// goes on until nothing is due or ctx ends. Unconfigured mail sends
// nothing and leaves the messages queued.
func Drain(ctx context.Context, q Queue, send Sender) (Report, error) {
	var r Report
	cfg, err := q.MailConfig()
	if err != nil || !cfg.Settings.Configured() {
		return r, err
	}
	r.Configured = true
	seen := map[domain.ID]bool{}
	for ctx.Err() == nil {
		due, err := q.DueMail(ctx, Batch)
		if err != nil {
			return r, err
		}
		var batch []domain.Message
		for _, m := range due {
			if !seen[m.ID] { // a failed message waits for its next try, not this drain
				seen[m.ID] = true
				batch = append(batch, m)
			}
		}
		if len(batch) == 0 {
			return r, nil
		}
		results := send(ctx, cfg, batch)
		if err := record(ctx, q, batch, results, &r); err != nil {
			return r, err
		}
	}
	return r, ctx.Err()
}

// record stores a sent batch's results, one short write each. The
// messages left whatever ctx says now, and one whose result is not
// recorded leaves again: so the writes run under ctx's values without its
// end, bounded by recordWait.
func record(ctx context.Context, q Queue, batch []domain.Message, results []domain.DeliveryResult, r *Report) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWait)
	defer cancel()
	for i, m := range batch {
		got, err := q.RecordDelivery(ctx, m.ID, results[i])
		if err != nil {
			return err
		}
		switch got.State {
		case domain.MailSent:
			r.Sent++
		case domain.MailFailed:
			r.Failed++
		case domain.MailGaveUp:
			r.GaveUp++
		}
	}
	return nil
}

// Worker drains the outbox in the background of `gatehouse serve` and
// the console: at start, whenever the outbox changes (Wake) and every
// Every, so a notification leaves within seconds and a failed one is
// retried when its backoff ends.
type Worker struct {
	Queue  Queue
	Send   Sender
	Every  time.Duration
	Report func(Report, error) // every drain's outcome (the server logs failures)

	wake chan struct{}
	once sync.Once
	mu   sync.Mutex // one drain at a time, so no message goes out twice
}

// Drain runs one drain now, after any that is under way (`gatehouse mail
// send` through the socket while the worker runs).
func (w *Worker) Drain(ctx context.Context) (Report, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	send := w.Send
	if send == nil {
		send = Send
	}
	return Drain(ctx, w.Queue, send)
}

func (w *Worker) init() { w.once.Do(func() { w.wake = make(chan struct{}, 1) }) }

// Wake asks for a drain soon; it never blocks (a wake already pending
// covers this one).
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run drains until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	every := w.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r, err := w.Drain(ctx)
		if w.Report != nil && ctx.Err() == nil {
			w.Report(r, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}
