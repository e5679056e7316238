package main

// Secrets (tokens) come from a flag, a file named by a flag, an
// environment variable, or a file named by one: --token T, --token-file F,
// SITBOARD_READ_TOKEN, SITBOARD_READ_TOKEN_FILE. A file keeps the token out
// of shell history, process listings and the environment, and can be
// re-read (the hub and the SSH server do on SIGHUP).

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"sitboard/campaign"
	"sitboard/feed/hub"
)

// secretFlag is one secret's flags and environment variables.
type secretFlag struct {
	name, env   string // "token", "SITBOARD_READ_TOKEN"
	value, file *string
}

// Secret defines --NAME and --NAME-file for a secret that may also come
// from $ENV or a file named by $ENV_FILE.
func (fs *flagSet) Secret(name, env, usage string) *secretFlag {
	s := &secretFlag{name: name, env: env}
	s.value = fs.String(name, "", usage+" (or --"+name+"-file, env "+env+" or "+env+"_FILE); a file keeps it out of shell history and ps")
	s.file = fs.String(name+"-file", "", "`FILE` whose first line is the --"+name+" (or env "+env+"_FILE); re-read on SIGHUP by the servers")
	return s
}

// Get returns the secret: --NAME, else --NAME-file, else $ENV, else the
// file named by $ENV_FILE; "" when none is given. Two sources at one level
// (a flag and a file flag, or both variables) are refused: which one was
// meant cannot be guessed.
func (s *secretFlag) Get() (string, error) {
	if *s.value != "" && *s.file != "" {
		return "", fmt.Errorf("give --%s or --%s-file, not both", s.name, s.name)
	}
	if *s.value != "" {
		return strings.TrimSpace(*s.value), nil
	}
	if *s.file != "" {
		return readSecretFile(*s.file, "--"+s.name+"-file")
	}
	v, f := os.Getenv(s.env), os.Getenv(s.env+"_FILE")
	if v != "" && f != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set: unset one", s.env, s.env)
	}
	if f != "" {
		return readSecretFile(f, s.env+"_FILE")
	}
	return strings.TrimSpace(v), nil
}

// File is the file the secret is read from (by flag or environment), or
// "" when it is given as a value: what a reload reads again.
func (s *secretFlag) File() string {
	if *s.value != "" {
		return ""
	}
	if *s.file != "" {
		return *s.file
	}
	if os.Getenv(s.env) != "" {
		return ""
	}
	return os.Getenv(s.env + "_FILE")
}

// readSecretFile reads a token file's first line. A file every user may
// read is refused, as ssh refuses such a private key: the token would not
// be a secret.
func readSecretFile(path, what string) (string, error) {
	f, err := openSecretFile(path, what, "write the token on its first line")
	if err != nil {
		return "", err
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, _ := f.Read(b)
	line, _, _ := strings.Cut(string(b[:n]), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("%s %s is empty: write the token on its first line", what, path)
	}
	return line, nil
}

// openSecretFile opens a file of tokens: a regular file that not every
// user may read. missing says what to write in it.
func openSecretFile(path, what, missing string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s %s does not exist: %s (docs/security.md, \"Tokens\")", what, path, missing)
		}
		return nil, fmt.Errorf("%s: %w (the file must be readable by this user)", what, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %s is not a regular file", what, path)
	}
	if fi.Mode().Perm()&0o004 != 0 {
		f.Close()
		return nil, fmt.Errorf("%s %s is readable by every user (mode %04o), so its token is no secret: run chmod o-rwx %s", what, path, fi.Mode().Perm(), path)
	}
	return f, nil
}

// readScopedTokens reads a --scoped-tokens file (docs/security.md,
// "Scoped tokens") for the campaign cfg.
func readScopedTokens(path string, cfg *campaign.Config) (*hub.ScopedTokens, error) {
	f, err := openSecretFile(path, "--scoped-tokens", "write one token a line, then its scope")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("--scoped-tokens %s: %w", path, err)
	}
	districts := cfg.Validator().Districts
	return hub.ParseScopedTokens(path, data, func(d string) bool { return districts[d] })
}
