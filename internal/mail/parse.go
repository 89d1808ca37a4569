package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"path"
	"regexp"
	"strings"

	"gatehouse/domain"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// MaxMessage bounds what the gateway reads of one message: a few
// attachments at the 10 MiB limit, base64-encoded, fit.
const MaxMessage = 64 << 20

// maxParts bounds the MIME parts walked (a hostile message can nest
// thousands).
const maxParts = 200

// maxDepth bounds multipart nesting.
const maxDepth = 10

// decoder decodes RFC 2047 encoded-words in any charset x/net knows.
var decoder = &mime.WordDecoder{CharsetReader: charset.NewReaderLabel}

// Parse reads one RFC 5322 message: sender, subject and thread headers
// decoded (RFC 2047, any charset), the text body (text/plain preferred in
// multipart/alternative, else HTML made text), the attachments, and
// whether the message is automatic (a bounce, an auto-reply, bulk mail),
// which the gateway drops without answering.
func Parse(r io.Reader) (domain.InboundMail, error) {
	var in domain.InboundMail
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessage+1))
	if err != nil {
		return in, fmt.Errorf("reading the message: %w", err)
	}
	if len(raw) > MaxMessage {
		return in, domain.Errorf(domain.EInvalid, "the message is larger than %d MiB", MaxMessage>>20)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return in, domain.Errorf(domain.EInvalid, "not an RFC 5322 message: %v", err)
	}
	h := msg.Header
	in.From, in.FromName = sender(h)
	in.Subject = decodeHeader(h.Get("Subject"))
	in.MessageID = firstID(h.Get("Message-ID"))
	in.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	in.References = msgIDs(h.Get("References"))
	in.Auto = automatic(h, in.From)
	w := &walker{}
	w.part(h, msg.Body, 0)
	in.Text = domain.CleanText(w.text())
	in.Attachments = w.files
	return in, nil
}

// header is what a part walk reads of a message's or a part's header.
type header interface{ Get(string) string }

// sender is the From address (else Sender, else Reply-To), lower case.
func sender(h netmail.Header) (addr, name string) {
	p := netmail.AddressParser{WordDecoder: decoder}
	for _, k := range []string{"From", "Sender", "Reply-To"} {
		v := h.Get(k)
		if v == "" {
			continue
		}
		if a, err := p.Parse(v); err == nil {
			return strings.ToLower(a.Address), domain.PrintableLine(a.Name, 100)
		}
		if list, err := p.ParseList(v); err == nil && len(list) > 0 {
			return strings.ToLower(list[0].Address), domain.PrintableLine(list[0].Name, 100)
		}
	}
	return "", ""
}

func decodeHeader(v string) string {
	d, err := decoder.DecodeHeader(v)
	if err != nil {
		d = v
	}
	return domain.PrintableLine(strings.ToValidUTF8(d, "\uFFFD"), 998)
}

var idPattern = regexp.MustCompile(`<[^<>\s]+>`)

// msgIDs lists the Message-IDs in a header, brackets removed.
func msgIDs(v string) []string {
	var out []string
	for _, m := range idPattern.FindAllString(v, 50) {
		out = append(out, strings.Trim(m, "<>"))
	}
	return out
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

// automatic says why a message was sent by a machine, or "". RFC 3834
// (Auto-Submitted), RFC 3464 delivery reports, the null sender, and the
// de facto X-Autoreply and Precedence headers.
func automatic(h netmail.Header, from string) string {
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	local := from
	if i := strings.IndexByte(from, '@'); i >= 0 {
		local = from[:i]
	}
	as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if i := strings.IndexByte(as, ';'); i >= 0 {
		as = strings.TrimSpace(as[:i])
	}
	prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	switch {
	case ct == "multipart/report":
		return "a delivery or disposition report (multipart/report): bounces are never answered"
	case strings.EqualFold(local, "mailer-daemon") || strings.EqualFold(local, "postmaster"):
		return "sent by " + local + ": bounces are never answered"
	case strings.TrimSpace(h.Get("Return-Path")) == "<>":
		return "the null sender (Return-Path: <>): bounces are never answered"
	case as != "" && as != "no":
		return "Auto-Submitted: " + domain.PrintableLine(as, 40) + ": automatic mail is never answered"
	case h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "":
		return "an auto-reply (X-Autoreply): automatic mail is never answered"
	case prec == "bulk" || prec == "junk" || prec == "list":
		return "Precedence: " + prec + ": bulk mail is never answered"
	}
	return ""
}

// walker collects the text and the files of a MIME tree.
type walker struct {
	plain, htm []string
	files      []domain.InboundAttachment
	parts      int
}

func (w *walker) text() string {
	if len(w.plain) > 0 {
		return strings.Join(w.plain, "\n\n")
	}
	return strings.Join(w.htm, "\n\n")
}

// part walks one entity: multiparts by kind, text inline, the rest (and
// anything marked as an attachment) as files.
func (w *walker) part(h header, body io.Reader, depth int) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || ct == "" {
		ct, params = "text/plain", map[string]string{}
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := fileName(dparams["filename"], params["name"])
	if strings.HasPrefix(ct, "multipart/") {
		w.multipart(ct, params["boundary"], body, depth)
		return
	}
	data, _ := io.ReadAll(transfer(h.Get("Content-Transfer-Encoding"), body))
	attached := disp == "attachment" || name != "" && disp != "inline"
	switch {
	case !attached && ct == "text/plain":
		w.plain = append(w.plain, decodeCharset(params["charset"], data))
	case !attached && ct == "text/html":
		w.htm = append(w.htm, htmlText(decodeCharset(params["charset"], data)))
	case ct == "message/rfc822" && name == "":
		w.file("forwarded-message.eml", data)
	default:
		if name == "" {
			name = fmt.Sprintf("attachment-%d%s", len(w.files)+1, extension(ct))
		}
		w.file(name, data)
	}
}

func (w *walker) file(name string, data []byte) {
	w.files = append(w.files, domain.InboundAttachment{Name: name, Data: data})
}

// multipart walks the parts; an alternative keeps only its best text part
// (text/plain, else text/html, else the last one).
func (w *walker) multipart(ct, boundary string, body io.Reader, depth int) {
	if boundary == "" {
		return
	}
	mr := multipart.NewReader(body, boundary)
	if ct != "multipart/alternative" {
		for w.parts <= maxParts {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			w.part(p.Header, p, depth+1)
		}
		return
	}
	type alt struct {
		h    header
		data []byte
		ct   string
	}
	var alts []alt
	for len(alts) < maxParts {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(p)
		t, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		alts = append(alts, alt{p.Header, data, t})
	}
	best := -1
	for i, a := range alts {
		switch {
		case a.ct == "text/plain" || a.ct == "":
			best = i
		case a.ct == "text/html" && (best < 0 || alts[best].ct != "text/plain" && alts[best].ct != ""):
			best = i
		case strings.HasPrefix(a.ct, "multipart/") && best < 0:
			best = i
		}
	}
	if best >= 0 {
		w.part(alts[best].h, bytes.NewReader(alts[best].data), depth+1)
	}
}

// transfer undoes a Content-Transfer-Encoding.
func transfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// stripSpace drops the line breaks and spaces base64 bodies carry.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b != '\r' && b != '\n' && b != ' ' && b != '\t' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// decodeCharset turns text in a declared charset into UTF-8; an unknown
// charset is read as UTF-8 with bad bytes replaced.
func decodeCharset(cs string, data []byte) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs == "" || cs == "utf-8" || cs == "us-ascii" {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	r, err := charset.NewReaderLabel(cs, bytes.NewReader(data))
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// fileName picks and cleans an attachment's name: the RFC 2231 or 2047
// encoded name decoded, its base name only, control characters dropped.
func fileName(names ...string) string {
	for _, n := range names {
		n = decodeHeader(n)
		n = strings.ReplaceAll(n, `\`, "/")
		n = path.Base(strings.TrimSpace(n))
		if n == "." || n == "/" || n == ".." || n == "" {
			continue
		}
		if len(n) > 200 {
			n = n[len(n)-200:]
			n = strings.ToValidUTF8(n, "")
		}
		return n
	}
	return ""
}

// extension names a file of an unnamed part by its type.
func extension(ct string) string {
	if exts, err := mime.ExtensionsByType(ct); err == nil && len(exts) > 0 {
		return exts[0]
	}
	switch ct {
	case "message/rfc822":
		return ".eml"
	case "message/delivery-status":
		return ".txt"
	}
	return ".bin"
}

// htmlText is the readable text of an HTML body: block elements become
// line breaks, scripts and styles vanish, entities are decoded.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				if t := z.Text(); len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\n') {
					b.WriteByte(' ')
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table":
				b.WriteByte('\n')
			}
		}
	}
}

// collapse trims each line and keeps at most one blank line in a row.
func collapse(s string) string {
	var out []string
	blank := 0
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
