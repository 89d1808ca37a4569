package mail

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
)

func parseFile(t *testing.T, name string) domain.InboundMail {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return in
}

func TestParsePlain(t *testing.T) {
	in := parseFile(t, "plain.eml")
	if in.From != "alice@school.example" || in.FromName != "Alice Ames" || in.Subject != "Projector in room 12 does not turn on" ||
		in.MessageID != "CAB1234@mail.school.example" || in.Auto != "" || len(in.Attachments) != 0 {
		t.Fatalf("%+v", in)
	}
	if in.Text != "Hello,\n\nthe projector in room 12 shows no picture since this morning.\n\nAlice" {
		t.Fatalf("text %q", in.Text)
	}
}

// multipart/alternative gives its text/plain part; attachments keep their
// RFC 2231 and RFC 2047 names.
func TestParseMultipartWithAttachments(t *testing.T) {
	in := parseFile(t, "multipart_attach.eml")
	if in.Subject != "Printer jam – room 4" || in.FromName != "Bob Brown" {
		t.Fatalf("headers %+v", in)
	}
	if in.Text != "The printer in room 4 jams on every page – photo attached." {
		t.Fatalf("text %q", in.Text)
	}
	if len(in.Attachments) != 2 || in.Attachments[0].Name != "jam photoé.png" || in.Attachments[1].Name != "manual_päge.pdf" {
		t.Fatalf("attachments %+v", in.Attachments)
	}
	if !bytes.HasPrefix(in.Attachments[0].Data, []byte("\x89PNG")) || !bytes.HasPrefix(in.Attachments[1].Data, []byte("%PDF")) {
		t.Fatal("attachment data not decoded")
	}
}

func TestParseForwardedMessageIsAttached(t *testing.T) {
	in := parseFile(t, "forwarded.eml")
	if in.Text != "See the message below from the librarian." {
		t.Fatalf("text %q", in.Text)
	}
	if len(in.Attachments) != 1 || in.Attachments[0].Name != "forwarded-message.eml" ||
		!strings.Contains(string(in.Attachments[0].Data), "No Wi-Fi in the library") {
		t.Fatalf("attachments %+v", in.Attachments)
	}
}

func TestParseAutomaticMail(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"dsn.eml", "multipart/report"},
		{"autoreply.eml", "Auto-Submitted: auto-replied"},
	} {
		if in := parseFile(t, c.file); !strings.Contains(in.Auto, c.want) {
			t.Errorf("%s: Auto = %q, want it to name %q", c.file, in.Auto, c.want)
		}
	}
	for _, h := range []string{"Precedence: bulk", "X-Autoreply: yes", "Auto-Submitted: auto-generated", "Return-Path: <>"} {
		in, err := Parse(strings.NewReader("From: a@b.example\r\n" + h + "\r\nSubject: x\r\n\r\nbody\r\n"))
		if err != nil || in.Auto == "" {
			t.Errorf("%s: not taken for automatic mail (%v)", h, err)
		}
	}
	in, err := Parse(strings.NewReader("From: a@b.example\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nbody\r\n"))
	if err != nil || in.Auto != "" {
		t.Errorf("Auto-Submitted: no is a person's mail: %q %v", in.Auto, err)
	}
}

func TestParseCharsets(t *testing.T) {
	in := parseFile(t, "latin1.eml")
	if in.FromName != "François Pérez" || in.Subject != "Imprimante cassée salle 12" ||
		!strings.Contains(in.Text, "cassée. Merci d'avance à l'équipe.") {
		t.Fatalf("latin1: %+v", in)
	}
	in = parseFile(t, "iso2022jp.eml")
	if in.Subject != "プロジェクターが壊れました" || in.Text != "三階の教室のプロジェクターが映りません。" {
		t.Fatalf("iso-2022-jp: %q %q", in.Subject, in.Text)
	}
}

// An HTML-only reply becomes readable text; its thread headers are kept.
func TestParseHTMLOnlyReply(t *testing.T) {
	in := parseFile(t, "html_only.eml")
	if in.Text != "It works again & thanks!\n\nDave – room 3" {
		t.Fatalf("text %q", in.Text)
	}
	if len(in.References) != 2 || in.References[0] != "t-000007.thread@school.example" || in.InReplyTo[0] != "t-000007.m12@school.example" {
		t.Fatalf("thread headers %+v %+v", in.InReplyTo, in.References)
	}
}

func TestParseRefusesWhatIsNotAMessage(t *testing.T) {
	if _, err := Parse(strings.NewReader("no header here, just words")); err == nil {
		t.Fatal("garbage parsed as a message")
	}
}

// FuzzParse: whatever arrives on stdin, the parser returns (no panic, no
// hang), and what it returns is storable text.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := domain.CheckText("text", in.Text); err != nil {
			t.Fatalf("unstorable text: %v", err)
		}
		if err := domain.CheckLine("subject", in.Subject); err != nil {
			t.Fatalf("unstorable subject: %v", err)
		}
		for _, a := range in.Attachments {
			if a.Name == "" || strings.ContainsAny(a.Name, "/\\") {
				t.Fatalf("bad attachment name %q", a.Name)
			}
		}
	})
}
