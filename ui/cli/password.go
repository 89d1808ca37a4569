package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"gatehouse/domain"
)

// maxPasswordLine bounds what `user password` reads from a pipe; the store
// refuses anything longer than its own limit with a clear message.
const maxPasswordLine = 4096

// userPassword sets U's password (`gatehouse user password U`). On a
// terminal it is typed twice without echo; otherwise it is the first line
// of standard input, so scripts can pipe it in. The store decides who may:
// one's own (--as U) with Edit Own User Account, anyone else's with the
// rights to change them, and then it is a temporary password that U must
// replace at their next password login.
func userPassword(c *call) error {
	username := c.pos(0)
	password, err := c.readPassword(username)
	if err != nil {
		return err
	}
	if err := c.svc.SetPassword(c.ctx, username, password); err != nil {
		return err
	}
	if strings.EqualFold(username, c.svc.Actor(c.ctx).Username) {
		return c.result("set the password of %s", username)
	}
	return c.result("set a temporary password for %s: they choose a new one at their next password login", username)
}

// readPassword reads the new password: from the terminal twice without
// echo, or one line from a pipe or file.
// secretFile reads a --*-password-file flag: the first line of the file,
// or of stdin for "-", so a password never appears in a process list.
func (c *call) secretFile(flag string) (string, error) {
	f, err := c.openInput(c.args.str(flag))
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", domain.Errorf(domain.EInvalid, "--%s: %v", flag, err)
	}
	v, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(v, "\r"), nil
}

func (c *call) readPassword(username string) (string, error) {
	if f, ok := c.opts.Stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		first, err := c.prompt(f, fmt.Sprintf("New password for %s: ", username))
		if err != nil {
			return "", err
		}
		second, err := c.prompt(f, "Retype the new password: ")
		if err != nil {
			return "", err
		}
		if first != second {
			return "", domain.Errorf(domain.EInvalid, "password: the two entries differ; nothing changed")
		}
		return first, nil
	}
	line, err := bufio.NewReader(io.LimitReader(c.opts.Stdin, maxPasswordLine)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", domain.Errorf(domain.EInvalid, "password: standard input is empty (type it on a terminal, or pipe one line)")
	}
	return line, nil
}

// prompt asks on stderr and reads one line without echo.
func (c *call) prompt(f *os.File, question string) (string, error) {
	fmt.Fprint(c.errOut, question)
	b, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(c.errOut)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}
