// Command modzip writes a Go module proxy directory for one version of a
// module, from a directory holding the module's tree: the layout the go
// command reads with GOPROXY=file://DIR (`@v/list`, `VERSION.info`,
// `VERSION.mod`, `VERSION.zip`). The zip is made by golang.org/x/mod/zip,
// as the go command and the public proxy make it, so its file set, paths
// and limits are theirs.
//
// Usage: modzip -module PATH -version vX.Y.Z -dir TREE -out PROXYDIR
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
)

func main() {
	modulePath := flag.String("module", "", "module path, e.g. github.com/xk6-lambda/xk6-lambda")
	version := flag.String("version", "", "semantic version, e.g. v0.2.0")
	dir := flag.String("dir", "", "the module's tree (its go.mod at the top)")
	out := flag.String("out", "", "the proxy directory to write into")
	flag.Parse()
	if err := run(*modulePath, *version, *dir, *out, time.Now().UTC()); err != nil {
		fmt.Fprintln(os.Stderr, "modzip:", err)
		os.Exit(1)
	}
}

func run(modulePath, version, dir, out string, at time.Time) error {
	if modulePath == "" || version == "" || dir == "" || out == "" {
		return errors.New("-module, -version, -dir and -out are required")
	}
	if !semver.IsValid(version) || semver.Canonical(version) != version {
		return fmt.Errorf("%q is not a canonical semantic version (vX.Y.Z)", version)
	}
	mv := module.Version{Path: modulePath, Version: version}
	if err := module.Check(mv.Path, mv.Version); err != nil {
		return err
	}
	escaped, err := module.EscapePath(modulePath)
	if err != nil {
		return err
	}
	versionDir := filepath.Join(out, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(versionDir, 0o750); err != nil {
		return err
	}

	zipPath := filepath.Join(versionDir, version+".zip")
	if err := writeZip(zipPath, mv, dir); err != nil {
		return err
	}
	goMod, err := os.ReadFile(filepath.Join(dir, "go.mod")) // #nosec G304 -- the tree the release script names
	if err != nil {
		return err
	}
	// #nosec G703 -- under the output directory the release script names;
	// version passed semver and module checks above.
	if err := os.WriteFile(filepath.Join(versionDir, version+".mod"), goMod, 0o600); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    string
	}{version, at.Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(versionDir, version+".info"), info, 0o600); err != nil {
		return err
	}
	return addToList(filepath.Join(versionDir, "list"), version)
}

func writeZip(path string, mv module.Version, dir string) (err error) {
	f, err := os.Create(path) // #nosec G304 -- a path under the output directory
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return modzip.CreateFromDir(f, mv, dir)
}

// addToList adds version to the proxy's `@v/list`, once.
func addToList(path, version string) error {
	data, err := os.ReadFile(path) // #nosec G304 -- a path under the output directory
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	versions := strings.Fields(string(data))
	if !slices.Contains(versions, version) {
		versions = append(versions, version)
	}
	semver.Sort(versions)
	return os.WriteFile(path, []byte(strings.Join(versions, "\n")+"\n"), 0o600) // #nosec G703 -- as above
}
