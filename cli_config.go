package main

// A server's settings may live in a TOML file (--config FILE): each key is
// one of the command's flags, spelt as in its --help without the dashes.
// Flags on the command line override the file, so a unit's ExecStart can
// name the file and a one-off run can change one setting.

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"sitboard/tomlfile"
)

// configFlag is --config on a command that takes a config file.
type configFlag struct {
	path *string
	// secretKeys are the flags that hold a secret's value: a config file
	// names the secret's file instead (KEY-file), never the secret.
	secretKeys []string
}

// ConfigFlag defines --config FILE; secretFlags are the flags that take a
// secret's value, which the file may not set.
func (fs *flagSet) ConfigFlag(secretFlags ...string) *configFlag {
	return &configFlag{
		path:       fs.String("config", "", "TOML `FILE` of settings: each key is one of these flags without its dashes (listen = \":8470\"); flags given here override it"),
		secretKeys: secretFlags,
	}
}

// ParseWithConfig parses args, then fills every flag the command line left
// unset from the --config file, if one was given.
func (fs *flagSet) ParseWithConfig(args []string, cfg *configFlag) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfg.path == "" {
		return nil
	}
	if err := cfg.apply(fs); err != nil {
		fmt.Fprintf(os.Stderr, "sitboard %s: %v\n", fs.Name(), err)
		return err
	}
	return nil
}

// errConfig marks a config file that cannot be used (status 2).
var errConfig = errors.New("bad config file")

// apply reads the file and sets the flags it names that the command line
// did not give.
func (c *configFlag) apply(fs *flagSet) error {
	path := *c.path
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w (give a readable TOML file)", err)
	}
	src := string(data)
	var settings map[string]any
	if _, err := toml.Decode(src, &settings); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s:%d: %s (the file is TOML: key = value, one per line)", path, pe.Position.Line, pe.Message)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, key := range keys {
		if err := c.set(fs, key, settings[key], given[key]); err != nil {
			problems = append(problems, (&tomlfile.Error{File: path, Line: keyLine(src, key), Field: key, Reason: err.Error()}).Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errConfig, strings.Join(problems, "; "))
	}
	return nil
}

// set gives flag key the file's value unless the command line gave it.
func (c *configFlag) set(fs *flagSet, key string, value any, onCommandLine bool) error {
	f := fs.Lookup(key)
	if _, table := value.(map[string]any); table {
		return errors.New("a table is not a setting: write each setting at the top of the file as key = value")
	}
	switch {
	case f == nil:
		hint := ""
		if near := fs.nearest(key); near != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", near)
		}
		return fmt.Errorf("not a setting of 'sitboard %s'%s: the settings are its flags without the dashes ('sitboard %s --help')", fs.Name(), hint, fs.Name())
	case key == "config" || key == "check":
		return fmt.Errorf("%s is given on the command line, not in the file", key)
	}
	for _, s := range c.secretKeys {
		if key == s {
			return fmt.Errorf("a config file names the secret's file, not the secret: write %s-file = \"/etc/sitboard/...\" with the token on its first line", key)
		}
	}
	if onCommandLine {
		return nil // the command line wins
	}
	values, err := settingValues(value)
	if err != nil {
		return err
	}
	if _, isList := f.Value.(*listFlag); !isList && len(values) != 1 {
		return errors.New("takes one value, not a list")
	}
	for _, v := range values {
		if err := fs.Set(key, v); err != nil {
			return err
		}
	}
	return nil
}

// settingValues turns a TOML value into the text its flag parses.
func settingValues(value any) ([]string, error) {
	switch v := value.(type) {
	case string:
		return []string{v}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case int64:
		return []string{strconv.FormatInt(v, 10)}, nil
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}, nil
	case time.Time:
		return []string{v.Format(time.RFC3339)}, nil
	case []any:
		var out []string
		for _, e := range v {
			s, err := settingValues(e)
			if err != nil || len(s) != 1 {
				return nil, errors.New("a list holds only strings and numbers")
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%T is not a value a flag takes: use a string, a number, true/false or a list", value)
}

// keyLine is the line that sets key in a TOML file (0 if not found): the
// decoder keeps no positions of the values it returns.
func keyLine(src, key string) int {
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for i, l := range strings.Split(src, "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	return tomlfile.LineOf(src, key)
}
